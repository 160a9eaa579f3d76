import { randomBytes } from 'node:crypto';

/** How long a token is good for unless told otherwise (step's default). */
export const TOKEN_LIFETIME_MS = 5 * 60 * 1000;

/** The claims every token fedca's SDK mints carries (api.md): a unique id and its times, in seconds. */
export interface TimeClaims {
  readonly jti: string;
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** When a token expires: at `notAfter`, or `lifetimeMs` after its own `iat` (never both); default TOKEN_LIFETIME_MS after `iat`. */
export interface TokenExpiry {
  readonly notAfter?: Date;
  readonly lifetimeMs?: number;
}

/**
 * A random `jti` (256 bits, hex), `iat` = `nbf` = `now`, `exp` = `expiry.notAfter`, or
 * `expiry.lifetimeMs` after `now` (default TOKEN_LIFETIME_MS): a lifetime counts from
 * the token's own `iat`, so `exp − iat` is exactly it.
 * Throws TypeError for both `notAfter` and `lifetimeMs`, RangeError when the expiry is not after `now`.
 */
export function timeClaims(expiry: TokenExpiry = {}, now = new Date()): TimeClaims {
  if (expiry.notAfter !== undefined && expiry.lifetimeMs !== undefined) throw new TypeError('give a token notAfter or lifetimeMs, not both');
  const exp = expiry.notAfter ?? new Date(now.getTime() + (expiry.lifetimeMs ?? TOKEN_LIFETIME_MS));
  if (exp.getTime() <= now.getTime()) throw new RangeError('the token would expire before it is issued (notAfter is not in the future)');
  return { jti: randomBytes(32).toString('hex'), iat: seconds(now), nbf: seconds(now), exp: seconds(exp) };
}
