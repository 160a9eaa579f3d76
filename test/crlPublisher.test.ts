import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { CrlPublisher } from '../src/authority/crlPublisher.js';
import { createIssuer } from '../src/pki/issuer.js';
import { issueIntermediate, issueRoot } from '../src/pki/issueCertificate.js';
import { generateKey } from '../src/pki/keys.js';
import { parseCrl } from '../src/pki/readCrl.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Revocation, Store } from '../src/store/store.js';
import { tempDir } from './helpers/testCa.js';

const DAY = 86_400_000;

const revocation = (serial: string): Revocation => ({ serial, reasonCode: 1, reason: '', revokedAt: new Date(), notAfter: new Date(Date.now() + DAY), provisioner: 'admin' });

/** Counts the store's full CRL reads (DER included) while passing every call through. */
function countingCrlReads(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'crlState') reads++;
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads };
}

describe('authority/crlPublisher: the CRL kept in memory by its number', () => {
  const rootKey = generateKey({ kty: 'EC' });
  const root = issueRoot('Crl Co', rootKey);
  const intermediateKey = generateKey({ kty: 'EC' });
  const issuer = createIssuer(issueIntermediate('Crl Co', intermediateKey, createIssuer(root, rootKey)), intermediateKey);
  let dir: string;
  let stores: SqliteStore[];

  beforeEach(() => {
    dir = tempDir();
    stores = [];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  /** A second handle on the same database stands for another worker or replica. */
  const open = (): SqliteStore => {
    const s = new SqliteStore(join(dir, 'fedca.sqlite'));
    stores.push(s);
    return s;
  };

  it('serves an unchanged CRL without reading its DER from the store again', async () => {
    const { store, reads } = countingCrlReads(open());
    await store.revoke(revocation('1001'));
    const publisher = new CrlPublisher(store, issuer, DAY);
    const first = await publisher.current();
    const readsAfterBuild = reads();
    const again = await publisher.current();
    assert.ok(again.equals(first));
    assert.equal(reads(), readsAfterBuild, 'the CRL DER was read from the store again');
    assert.deepEqual(parseCrl(first).serials, [1001n]);
  });

  it('a revocation recorded by another process makes the next CRL list it at once', async () => {
    const publisher = new CrlPublisher(open(), issuer, DAY);
    const before = parseCrl(await publisher.current());
    await open().revoke(revocation('2002'));
    const after = parseCrl(await publisher.current());
    assert.deepEqual(after.serials, [2002n]);
    assert.equal(after.crlNumber, (before.crlNumber ?? 0n) + 1n);
  });

  it('a CRL another replica saved is served instead of the one kept', async () => {
    const mine = new CrlPublisher(open(), issuer, DAY);
    const theirs = new CrlPublisher(open(), issuer, DAY);
    const kept = await mine.current();
    // The other replica rebuilds after a revocation; this one then serves that CRL, by its number.
    const other = open();
    await other.revoke(revocation('3003'));
    const rebuilt = await theirs.current();
    assert.ok(!rebuilt.equals(kept));
    assert.ok((await mine.current()).equals(rebuilt));
  });
});
