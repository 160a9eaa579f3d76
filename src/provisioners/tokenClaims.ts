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

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Checks exp/nbf/iat (with leeway), jti and sub presence; returns the typed claims. */
export function checkRegisteredClaims(claims: Readonly<Record<string, unknown>>, now: Date): TokenClaims {
  const t = now.getTime();
  if (!num(claims.exp)) throw new Unauthorized('invalid token: exp is required');
  if (claims.exp * 1000 + LEEWAY_MS < t) throw new Unauthorized('token expired');
  if (claims.nbf !== undefined && (!num(claims.nbf) || claims.nbf * 1000 - LEEWAY_MS > t)) throw new Unauthorized('token not yet valid (nbf)');
  if (claims.iat !== undefined && (!num(claims.iat) || claims.iat * 1000 - LEEWAY_MS > t)) throw new Unauthorized('token issued in the future (iat)');
  if (typeof claims.jti !== 'string' || claims.jti === '') throw new Unauthorized('invalid token: token id (jti) is required');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw new Unauthorized('invalid token: subject (sub) is empty');
  if (typeof claims.iss !== 'string') throw new Unauthorized('invalid token: issuer (iss) is required');
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
  return { iss: claims.iss, sub: claims.sub, jti: claims.jti, exp: new Date(claims.exp * 1000 + LEEWAY_MS), aud, raw: claims };
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
