import type { StoreCounts } from '../../src/store/store.js';
import type { TestCa } from './testCa.js';

/** How many rows of a kind the test CA's store holds, asked through the store (any backend). */
export async function rowCount(ca: TestCa, kind: keyof StoreCounts): Promise<number> {
  return (await ca.authority.store.counts())[kind];
}
