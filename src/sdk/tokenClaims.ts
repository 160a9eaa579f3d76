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

/**
 * A random `jti` (256 bits, hex), `iat` = `nbf` = `now`, `exp` = `notAfter`, or
 * `lifetimeMs` after `now` when there is no `notAfter` (default TOKEN_LIFETIME_MS):
 * a lifetime counts from the token's own `iat`, so `exp − iat` is exactly it.
 * Throws RangeError when the expiry is not after `now`.
 */
export function timeClaims(notAfter?: Date, now = new Date(), lifetimeMs = TOKEN_LIFETIME_MS): TimeClaims {
  const exp = notAfter ?? new Date(now.getTime() + lifetimeMs);
  if (exp.getTime() <= now.getTime()) throw new RangeError('the token would expire before it is issued (notAfter is not in the future)');
  return { jti: randomBytes(32).toString('hex'), iat: seconds(now), nbf: seconds(now), exp: seconds(exp) };
}
