import type { Store, StoreCounts, StoreRows } from './store.js';

/** A copy that was refused (the target is not empty) or did not add up; the target may need emptying. */
export class CopyError extends Error {
  readonly code = 'ERR_STORE_COPY';
}

/** Rows copied per transaction. */
const BATCH = 500;

const KINDS: readonly (keyof StoreRows)[] = ['certificates', 'revocations', 'usedTokens', 'acmeAccounts', 'acmeOrders', 'acmeAuthorizations', 'acmeEabKeys'];

/** The key rows of a kind are ordered by. */
const keyOf = (row: StoreRows[keyof StoreRows]): string => ('id' in row ? row.id : 'keyId' in row ? row.keyId : row.serial);

const total = (c: StoreCounts): number => KINDS.reduce((n, k) => n + c[k], 0);
const describe = (c: StoreCounts): string =>
  `${c.certificates} certificate(s), ${c.revocations} revocation(s), ${c.usedTokens} used token id(s), ${c.acmeAccounts} ACME account(s), ${c.acmeOrders} order(s), ${c.acmeAuthorizations} authorization(s), ${c.acmeEabKeys} EAB key(s)`;

/**
 * Copies everything `from` holds into the empty store `to` (issued certificates,
 * revocations, used token ids, ACME accounts, orders, authorizations and EAB keys, then the federation peers' roots and the CRL state, so
 * that the same roots and CRL are served),
 * in batches, and checks that the counts match; resolves them. Refuses a target
 * that holds anything. The source must not be serving meanwhile.
 */
export async function copyStore(from: Store, to: Store): Promise<StoreCounts> {
  const existing = await to.counts();
  if (total(existing) > 0) throw new CopyError(`the target already holds ${describe(existing)}; it must be empty`);
  for (const kind of KINDS) {
    for (let after = ''; ; ) {
      const rows = await from.exportRows(kind, after, BATCH);
      if (rows.length === 0) break;
      await to.importRows({ [kind]: rows });
      const last = keyOf(rows[rows.length - 1]);
      // Keys strictly increase, so the loop ends with the source's rows.
      if (last <= after) throw new CopyError(`the source listed ${kind} out of order at ${last}`);
      after = last;
    }
  }
  for (const peer of await from.peerRoots()) await to.savePeerRoots(peer);
  await to.importCrlState(await from.crlState());
  const [source, target] = await Promise.all([from.counts(), to.counts()]);
  if (KINDS.some((k) => source[k] !== target[k])) throw new CopyError(`the copy does not add up: the source holds ${describe(source)}, the target ${describe(target)}`);
  return target;
}
