import { formatDuration } from '../config/duration.js';
import { Unauthorized } from '../errors.js';

/** Clock skew tolerated on exp, nbf and iat (api.md: 60 s). */
export const LEEWAY_MS = 60_000;

/** The registered claims every fedca token carries, checked and typed. */
export interface TokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly jti: string;
  readonly exp: Date;
  readonly aud: readonly string[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A token lives at most this long (exp - max(iat, nbf)) unless its provisioner's `maxTokenLifetime` says otherwise. */
export const DEFAULT_MAX_TOKEN_LIFETIME_MS = 24 * 3_600_000;

/** The latest NumericDate fedca takes: 9999-12-31T23:59:59Z (later ones no date can hold). */
const MAX_NUMERIC_DATE = 253_402_300_799;

/** A NumericDate claim in seconds, or undefined when absent; Unauthorized naming it when it is not a real time. */
function numericDate(claims: Readonly<Record<string, unknown>>, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_NUMERIC_DATE) throw new Unauthorized(`invalid token: ${name} is not a valid time`);
  return v;
}

/** A token's audiences (`aud`, one string or a list; what is not a string is dropped). */
export const audiencesOf = (claims: Readonly<Record<string, unknown>>): string[] =>
  typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];

/**
 * Checks exp/nbf/iat (real times, with leeway; the lifetime exp - max(iat, nbf) at
 * most `maxLifetimeMs`), jti and sub presence; returns the typed claims.
 */
export function checkRegisteredClaims(claims: Readonly<Record<string, unknown>>, now: Date, maxLifetimeMs = DEFAULT_MAX_TOKEN_LIFETIME_MS): TokenClaims {
  const t = now.getTime();
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  if (exp === undefined) throw new Unauthorized('invalid token: exp is required');
  if (exp * 1000 + LEEWAY_MS < t) throw new Unauthorized('token expired');
  if (nbf !== undefined && nbf * 1000 - LEEWAY_MS > t) throw new Unauthorized('token not yet valid (nbf)');
  if (iat !== undefined && iat * 1000 - LEEWAY_MS > t) throw new Unauthorized('token issued in the future (iat)');
  const start = Math.max(iat ?? -Infinity, nbf ?? -Infinity);
  const lifetimeMs = exp * 1000 - (start === -Infinity ? t : start * 1000);
  if (lifetimeMs > maxLifetimeMs) {
    throw new Unauthorized(`invalid token: lifetime of ${formatDuration(lifetimeMs)} (exp - max(iat, nbf)) is more than the maximum token lifetime of ${formatDuration(maxLifetimeMs)}`);
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') throw new Unauthorized('invalid token: token id (jti) is required');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new Unauthorized('invalid token: subject (sub) is empty');
  if (typeof claims.iss !== 'string') throw new Unauthorized('invalid token: issuer (iss) is required');
  const aud = audiencesOf(claims);
  return { iss: claims.iss, sub: claims.sub, jti: claims.jti, exp: new Date(exp * 1000 + LEEWAY_MS), aud, raw: claims };
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

/**
 * True when one audience is `https://<one of dnsNames>[:any port]/<path>` for one of
 * `paths` (step-ca tolerates a port mismatch: clients behind proxies name other ports).
 */
export function audienceMatches(audiences: readonly string[], dnsNames: readonly string[], paths: readonly string[]): boolean {
  const names = new Set(dnsNames.map((n) => n.toLowerCase()));
  return audiences.some((a) => {
    let url: URL;
    try {
      url = new URL(a);
    } catch {
      return false;
    }
    return url.protocol === 'https:' && names.has(hostOf(url)) && paths.includes(url.pathname.replace(/\/+$/, ''));
  });
}
