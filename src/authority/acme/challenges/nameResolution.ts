import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import type { Deadline } from './deadline.js';
import { ChallengeFailure } from './failure.js';

/**
 * Name resolution of a validation: through the provisioner's DNS servers when it names
 * some (tests, split-horizon sites), else through the system's resolver.
 */
export interface ResolverChoice {
  /** DNS servers as 'IP' or 'IP:port' ('[v6]:port'); undefined = the system's resolver. */
  readonly resolvers?: readonly string[];
}

/** Longest wait for one DNS server's answer before c-ares tries again; the deadline bounds the whole. */
const QUERY_TIMEOUT_MS = 2_000;

/** A c-ares resolver on the chosen servers; ChallengeFailure('dns') when a server is not 'IP' or 'IP:port'. */
function resolverFor(choice: ResolverChoice, deadline: Deadline): Resolver {
  const resolver = new Resolver({ timeout: Math.min(QUERY_TIMEOUT_MS, deadline.remainingMs()), tries: 2 });
  if (choice.resolvers !== undefined) {
    try {
      resolver.setServers([...choice.resolvers]);
    } catch {
      throw new ChallengeFailure('dns', `the configured DNS resolvers ${JSON.stringify(choice.resolvers)} are not IP or IP:port`);
    }
  }
  return resolver;
}

const errorCode = (err: unknown): string => (err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : String(err));

/** c-ares codes that mean "the name has no such records" rather than "the lookup failed". */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/** Records of one type, or [] when the name has none; ChallengeFailure('dns') when the lookup fails. */
async function query<T>(resolver: Resolver, deadline: Deadline, what: string, run: () => Promise<T[]>): Promise<T[]> {
  try {
    return await deadline.within(run(), `the DNS servers (${what})`, () => resolver.cancel());
  } catch (err) {
    if (err instanceof ChallengeFailure) throw new ChallengeFailure('dns', err.message);
    if (NO_RECORDS.has(errorCode(err))) return [];
    throw new ChallengeFailure('dns', `DNS lookup of ${what} failed: ${errorCode(err)}`);
  }
}

/**
 * The IPv4 and IPv6 addresses of `name` (IPv4 first with configured servers; the
 * system's order otherwise). Throws ChallengeFailure('dns') when it has none or the
 * lookup fails or outlasts the deadline.
 */
export async function resolveAddresses(name: string, choice: ResolverChoice, deadline: Deadline): Promise<string[]> {
  let addresses: string[];
  if (choice.resolvers === undefined) {
    try {
      const found = await deadline.within(lookup(name, { all: true, verbatim: true }), `the system resolver (${name})`, () => undefined);
      addresses = found.map((entry) => entry.address);
    } catch (err) {
      if (err instanceof ChallengeFailure) throw new ChallengeFailure('dns', err.message);
      if (NO_RECORDS.has(errorCode(err))) addresses = [];
      else throw new ChallengeFailure('dns', `DNS lookup of ${name} failed: ${errorCode(err)}`);
    }
  } else {
    const resolver = resolverFor(choice, deadline);
    const [v4, v6] = await Promise.all([
      query(resolver, deadline, `A ${name}`, () => resolver.resolve4(name)),
      query(resolver, deadline, `AAAA ${name}`, () => resolver.resolve6(name)),
    ]);
    addresses = [...v4, ...v6];
  }
  if (addresses.length === 0) throw new ChallengeFailure('dns', `no A or AAAA record for ${name}`);
  return addresses;
}

/**
 * The TXT records at `name`, each record's strings joined (RFC 7208 §3.3 style), or []
 * when there are none. Throws ChallengeFailure('dns') when the lookup fails or outlasts the deadline.
 */
export async function resolveTxtRecords(name: string, choice: ResolverChoice, deadline: Deadline): Promise<string[]> {
  const resolver = resolverFor(choice, deadline);
  const records = await query(resolver, deadline, `TXT ${name}`, () => resolver.resolveTxt(name));
  return records.map((chunks) => chunks.join(''));
}
