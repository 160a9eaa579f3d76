import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { CrlPublisher, nextThisUpdate } from '../src/authority/crlPublisher.js';
import { toPem } from '../src/pki/pem.js';
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
    assert.ok(again.der.equals(first.der));
    assert.equal(reads(), readsAfterBuild, 'the CRL DER was read from the store again');
    assert.deepEqual(parseCrl(first.der).serials, [1001n]);
  });

  it('a revocation recorded by another process makes the next CRL list it at once', async () => {
    const publisher = new CrlPublisher(open(), issuer, DAY);
    const before = parseCrl((await publisher.current()).der);
    await open().revoke(revocation('2002'));
    const after = parseCrl((await publisher.current()).der);
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
    assert.ok(!rebuilt.der.equals(kept.der));
    assert.ok((await mine.current()).der.equals(rebuilt.der));
  });

  it('a CRL rebuilt within the same second gets a later thisUpdate, in whole seconds, as its DER says', async () => {
    const publisher = new CrlPublisher(open(), issuer, DAY);
    const now = new Date();
    const first = await publisher.current(now);
    await open().revoke(revocation('4004'));
    const second = await publisher.current(now);
    assert.equal(second.crlNumber, first.crlNumber + 1n);
    assert.equal(second.thisUpdate.getTime() % 1000, 0);
    assert.equal(second.thisUpdate.getTime() - first.thisUpdate.getTime(), 1000);
    assert.equal(parseCrl(second.der).thisUpdate.getTime(), second.thisUpdate.getTime());
  });

  it('the PEM form is the DER, encoded once', async () => {
    const crl = await new CrlPublisher(open(), issuer, DAY).current();
    assert.equal(crl.pem.toString('ascii'), toPem(crl.der, 'X509 CRL'));
    assert.equal(crl.pem, crl.pem);
  });
});

describe('authority/crlPublisher: nextThisUpdate', () => {
  const now = new Date('2026-11-28T12:00:00.700Z');
  it('is backdated a minute, in whole seconds, after an old CRL', () => {
    assert.equal(nextThisUpdate(new Date('2026-11-27T12:00:00Z'), now).toISOString(), '2026-11-28T11:59:00.000Z');
  });
  it('is a second after the previous CRL when that one is as recent', () => {
    assert.equal(nextThisUpdate(new Date('2026-11-28T11:59:00.300Z'), now).toISOString(), '2026-11-28T11:59:01.000Z');
    assert.equal(nextThisUpdate(new Date('2026-11-28T12:00:05Z'), now).toISOString(), '2026-11-28T12:00:06.000Z');
  });
});
