import { isIP } from 'node:net';
import { addressRefusal, type AddressRules } from './addressPolicy.js';
import type { Deadline } from './deadline.js';
import { ChallengeFailure } from './failure.js';
import { resolveAddresses, type ResolverChoice } from './nameResolution.js';

/** How many of a name's permitted addresses a validator tries before it gives up on connecting. */
const MAX_ADDRESSES_TRIED = 4;

/**
 * The addresses a validator connects to for `host` (a name or an IP literal): the
 * literal itself, or the name's resolved addresses, each passed by the address policy.
 * The caller connects to exactly these (never re-resolving), so a name cannot be
 * re-pointed at a refused address between check and connect.
 * Throws ChallengeFailure('rejectedIdentifier') when none may be contacted, ('dns') when resolution fails.
 */
export async function permittedAddresses(host: string, policy: AddressRules & ResolverChoice, deadline: Deadline): Promise<string[]> {
  const candidates = isIP(host) !== 0 ? [host] : await resolveAddresses(host, policy, deadline);
  const permitted = candidates.filter((address) => addressRefusal(address, policy) === undefined);
  if (permitted.length === 0) {
    const why = addressRefusal(candidates[0], policy) ?? 'not permitted';
    const via = isIP(host) !== 0 ? '' : `${host} resolves to ${candidates.join(', ')}; `;
    throw new ChallengeFailure('rejectedIdentifier', `${via}${why} and is not contacted for validation`);
  }
  return permitted.slice(0, MAX_ADDRESSES_TRIED);
}

/** A host as it stands in a URL or before ':port': IPv6 literals in brackets. */
export const urlHost = (host: string): string => (isIP(host) === 6 ? `[${host}]` : host);

/** "address:port" for messages, IPv6 in brackets. */
export const endpoint = (address: string, port: number): string => `${urlHost(address)}:${port}`;

const errorCode = (err: unknown): string | undefined =>
  err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

const SOCKET_ERRORS: Readonly<Record<string, (at: string) => string>> = {
  ECONNREFUSED: (at) => `connection refused at ${at}`,
  ECONNRESET: (at) => `connection reset by ${at}`,
  EHOSTUNREACH: (at) => `${at} is unreachable (no route to host)`,
  ENETUNREACH: (at) => `${at} is unreachable (network unreachable)`,
  ETIMEDOUT: (at) => `connection to ${at} timed out`,
  EADDRNOTAVAIL: (at) => `cannot connect to ${at} (address not available)`,
};

/** ChallengeFailure('connection') saying how connecting to `at` failed, from a socket error. */
export function connectionFailure(err: unknown, at: string): ChallengeFailure {
  const code = errorCode(err);
  const say = code === undefined ? undefined : SOCKET_ERRORS[code];
  const detail = err instanceof Error ? err.message : String(err);
  return new ChallengeFailure('connection', say ? say(at) : `cannot connect to ${at}: ${detail}`);
}

/** Whether an error is a failure to reach the peer at all (so the next address may be tried). */
export function isUnreachable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && code !== 'ECONNRESET' && code in SOCKET_ERRORS;
}
