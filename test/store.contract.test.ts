import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Unavailable } from '../src/errors.js';
import { copyStore, CopyError } from '../src/store/copyStore.js';
import { openStore } from '../src/store/open.js';
import { ancestors, descendants } from '../src/store/lineage.js';
import type { AcmeAccountRecord, AcmeAuthorizationRecord, AcmeEabKeyRecord, AcmeOrderRecord, CrlStamp, CrlState, IssuedCertificate, PeerRootsRecord, Revocation, Store } from '../src/store/store.js';
import { createTestSchema, requirePostgres, type TestSchema } from './helpers/postgres.js';
import { tempDir } from './helpers/testCa.js';

const HOUR = 3600_000;

/** One database of a backend, fresh for each test: `open` connects to it (again and again, as replicas do). */
interface Backend {
  readonly name: string;
  /** Runs before the suite; may skip it. */
  setUp(ctx: Mocha.Context): Promise<void>;
  fresh(): Promise<{ open(): Promise<Store>; drop(): Promise<void> }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  async setUp() {},
  async fresh() {
    const dir = tempDir();
    return {
      open: () => openStore({ type: 'sqlite', dataSource: 'db/fedca.sqlite' }, dir),
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  setUp: (ctx) => requirePostgres(ctx),
  async fresh() {
    const schema: TestSchema = await createTestSchema();
    return { open: () => openStore({ type: 'postgresql', dataSource: schema.url }, tempDir()), drop: () => schema.drop() };
  },
};

let serials = 0;
const certificate = (overrides: Partial<IssuedCertificate> = {}): IssuedCertificate => ({
  serial: String(++serials * 1000 + 7),
  der: Buffer.from([0x30, 0x03, 0x02, 0x01, serials % 128]),
  commonName: 'svc.example.test',
  notBefore: new Date('2030-01-01T00:00:00Z'),
  notAfter: new Date('2030-01-02T00:00:00Z'),
  provisioner: 'admin',
  ...overrides,
});
const revocation = (serial: string, overrides: Partial<Revocation> = {}): Revocation => ({
  serial,
  reasonCode: 1,
  reason: 'key compromise',
  revokedAt: new Date('2030-01-01T12:00:00Z'),
  notAfter: new Date('2030-01-02T00:00:00Z'),
  provisioner: 'admin',
  ...overrides,
});

const NO_ACME = { acmeAccounts: 0, acmeOrders: 0, acmeAuthorizations: 0, acmeEabKeys: 0 };
const T0 = new Date('2030-01-01T00:00:00Z');
const account = (overrides: Partial<AcmeAccountRecord> = {}): AcmeAccountRecord => ({
  id: 'acc-1',
  provisioner: 'acme',
  thumbprint: 'thumb-1',
  jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
  status: 'valid',
  contact: ['mailto:ops@example.test'],
  createdAt: T0,
  ...overrides,
});
const order = (overrides: Partial<AcmeOrderRecord> = {}): AcmeOrderRecord => ({
  id: 'ord-1',
  accountId: 'acc-1',
  provisioner: 'acme',
  status: 'pending',
  identifiers: [{ type: 'dns', value: 'app.acme.test' }],
  authorizationIds: ['authz-1'],
  expiresAt: new Date('2030-01-02T00:00:00Z'),
  createdAt: T0,
  revision: 0,
  ...overrides,
});
const authorization = (overrides: Partial<AcmeAuthorizationRecord> = {}): AcmeAuthorizationRecord => ({
  id: 'authz-1',
  accountId: 'acc-1',
  orderId: 'ord-1',
  identifier: { type: 'dns', value: 'app.acme.test' },
  wildcard: false,
  status: 'pending',
  expiresAt: new Date('2030-01-02T00:00:00Z'),
  challenges: [{ id: 'ch-1', type: 'http-01', token: 'tok', status: 'pending', attempts: 0 }],
  revision: 0,
  ...overrides,
});
const eabKey = (overrides: Partial<AcmeEabKeyRecord> = {}): AcmeEabKeyRecord => ({
  keyId: 'kid-1',
  provisioner: 'acme',
  hmacKey: Buffer.alloc(32, 7),
  reference: 'team a',
  createdAt: T0,
  ...overrides,
});

for (const backend of [sqlite, postgres]) {
  describe(`Store contract: ${backend.name}`, function () {
    let db: { open(): Promise<Store>; drop(): Promise<void> };
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const store = await db.open();
      opened.push(store);
      return store;
    };
    const storeSerial = (store: Store, serial: string): Promise<void> => store.storeCertificate(certificate({ serial }));
    /** Burns token `id` by recording an issuance with it; resolves whether the token was fresh. */
    const burn = (store: Store, id: string, expiresAt = new Date(Date.now() + HOUR)): Promise<boolean> => store.recordIssuance({ id, expiresAt }, certificate());

    before(async function () {
      await backend.setUp(this);
    });
    beforeEach(async () => {
      db = await backend.fresh();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
      await db.drop();
    });

    it('stores an issued certificate and finds it by serial; a serial is stored once', async () => {
      const store = await open();
      const cert = certificate({ serial: '123456789012345678901234567890' });
      await store.storeCertificate(cert);
      assert.deepEqual(await store.certificate(cert.serial), cert);
      assert.equal(await store.certificate('1'), undefined);
      await assert.rejects(store.storeCertificate(cert), /UNIQUE|duplicate key/, 'a serial was stored twice');
    });

    it('recordIssuance burns a token once: later uses record nothing', async () => {
      const store = await open();
      assert.equal(await burn(store, 'jti-1'), true);
      const refused = certificate();
      assert.equal(await store.recordIssuance({ id: 'jti-1', expiresAt: new Date(Date.now() + HOUR) }, refused), false);
      assert.equal(await store.certificate(refused.serial), undefined, 'a refused issuance stores no certificate');
      assert.equal(await burn(store, 'jti-1', new Date(Date.now() + 2 * HOUR)), false);
      assert.equal(await burn(store, 'jti-2'), true);
      assert.deepEqual(await store.counts(), { certificates: 2, revocations: 0, usedTokens: 2, ...NO_ACME });
    });

    it("recordUsedTokens burns ids spent elsewhere (an adopted CA's), twice without harm", async () => {
      const store = await open();
      await store.recordUsedTokens([{ id: 'adopted-1', expiresAt: new Date(Date.now() + HOUR) }, { id: 'adopted-2', expiresAt: new Date(Date.now() + HOUR) }]);
      await store.recordUsedTokens([{ id: 'adopted-1', expiresAt: new Date(Date.now() + HOUR) }]);
      assert.equal(await burn(store, 'adopted-1'), false);
      assert.equal(await burn(store, 'adopted-2'), false);
      assert.equal(await burn(store, 'adopted-3'), true);
    });

    it('a token used through one connection is used for another on the same database', async () => {
      const [a, b] = [await open(), await open()];
      assert.equal(await burn(a, 'shared'), true);
      assert.equal(await burn(b, 'shared'), false);
    });

    it('one token raced from two connections 50 times records exactly one certificate', async () => {
      const [a, b] = [await open(), await open()];
      const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => burn(i % 2 ? a : b, 'raced')));
      assert.equal(outcomes.filter(Boolean).length, 1);
      assert.equal((await a.counts()).certificates, 1);
    });

    it('pruneUsedTokens forgets only the expired ones', async () => {
      const store = await open();
      const now = new Date();
      await burn(store, 'expired-1', new Date(now.getTime() - HOUR));
      await burn(store, 'expired-2', new Date(now.getTime() - 1));
      await burn(store, 'live', new Date(now.getTime() + HOUR));
      assert.equal(await store.pruneUsedTokens(now), 2);
      assert.equal(await burn(store, 'live'), false, 'a live token was forgotten');
      assert.equal(await burn(store, 'expired-1'), true, 'an expired token was kept');
      assert.equal(await store.pruneUsedTokens(now), 0);
    });

    it('revoke records once, burns its token, and counts towards a stale CRL', async () => {
      const store = await open();
      const cert = certificate();
      await store.storeCertificate(cert);
      const before = await store.crlState();
      assert.equal(await store.revoke(revocation(cert.serial), { id: 'revoke-1', expiresAt: new Date(Date.now() + HOUR) }), 'revoked');
      assert.deepEqual(await store.revocation(cert.serial), revocation(cert.serial));
      assert.equal((await store.crlState()).revocationSeq, before.revocationSeq + 1n);
      assert.equal(await burn(store, 'revoke-1'), false, 'the revoke token was not burned');
      assert.equal(await store.revocation('42'), undefined);
    });

    it('a refused revocation writes nothing: already revoked keeps the token, a used token revokes nothing', async () => {
      const store = await open();
      const [first, second] = [certificate(), certificate()];
      await store.storeCertificate(first);
      await store.storeCertificate(second);
      assert.equal(await store.revoke(revocation(first.serial)), 'revoked');
      const seq = (await store.crlState()).revocationSeq;
      assert.equal(await store.revoke(revocation(first.serial, { reasonCode: 4 }), { id: 'unused', expiresAt: new Date(Date.now() + HOUR) }), 'already-revoked');
      assert.equal((await store.revocation(first.serial))?.reasonCode, 1);
      assert.equal(await burn(store, 'unused'), true, 'a refused revocation burned its token');
      assert.equal(await store.revoke(revocation(second.serial), { id: 'unused', expiresAt: new Date(Date.now() + HOUR) }), 'token-used');
      assert.equal(await store.revocation(second.serial), undefined);
      assert.equal((await store.crlState()).revocationSeq, seq);
    });

    it('crlEntries lists those not yet expired, oldest first, with their dates and reasons', async () => {
      const store = await open();
      const now = new Date('2030-01-01T18:00:00Z');
      await store.revoke(revocation('3', { revokedAt: new Date('2030-01-01T10:00:00Z') }));
      await store.revoke(revocation('1', { revokedAt: new Date('2030-01-01T11:00:00Z') }));
      await store.revoke(revocation('2', { revokedAt: new Date('2030-01-01T09:00:00Z'), notAfter: new Date('2030-01-01T17:00:00Z') }));
      assert.deepEqual(await store.crlEntries(now), [
        { serial: '3', revokedAt: new Date('2030-01-01T10:00:00Z'), reasonCode: 1 },
        { serial: '1', revokedAt: new Date('2030-01-01T11:00:00Z'), reasonCode: 1 },
      ]);
      assert.equal((await store.counts()).revocations, 3);
      assert.equal(await store.crlEntryCount(now), 2);
      assert.equal(await store.crlEntryCount(new Date('2029-01-01T00:00:00Z')), 3);
    });

    it('the CRL number is a compare-and-set: of two replicas saving the same number, one wins', async () => {
      const [a, b] = [await open(), await open()];
      const initial = await a.crlState();
      assert.equal(initial.crlNumber, 0n);
      assert.equal(initial.der, undefined);
      const thisUpdate = new Date('2030-01-01T00:00:00Z');
      const saved = await Promise.all([a.saveCrl(1n, Buffer.from('crl-a'), thisUpdate, 0n), b.saveCrl(1n, Buffer.from('crl-b'), thisUpdate, 0n)]);
      assert.deepEqual(saved.filter(Boolean).length, 1);
      const state = await b.crlState();
      assert.equal(state.crlNumber, 1n);
      assert.equal(state.builtFromSeq, 0n);
      assert.deepEqual(state.thisUpdate, thisUpdate);
      assert.ok(state.der?.equals(Buffer.from(saved[0] ? 'crl-a' : 'crl-b')));
      assert.equal(await a.saveCrl(3n, Buffer.from('skipped'), thisUpdate, 0n), false, 'a number was skipped');
      assert.equal(await a.saveCrl(2n, Buffer.from('next'), thisUpdate, 0n), true);
    });

    it('crlStamp is the CRL state without its DER, through a save and a revocation', async () => {
      const store = await open();
      const stampOf = ({ der: _der, ...stamp }: CrlState): CrlStamp => stamp;
      assert.deepEqual(await store.crlStamp(), stampOf(await store.crlState()));
      await store.saveCrl(1n, Buffer.from('crl'), new Date('2030-01-01T00:00:00Z'), 0n);
      const cert = certificate();
      await store.storeCertificate(cert);
      await store.revoke(revocation(cert.serial));
      const stamp = await store.crlStamp();
      assert.deepEqual(stamp, stampOf(await store.crlState()));
      assert.deepEqual(stamp, { crlNumber: 1n, thisUpdate: new Date('2030-01-01T00:00:00Z'), builtFromSeq: 0n, revocationSeq: 1n });
      assert.ok(!('der' in stamp), 'the stamp carries the DER');
    });

    it('replicas opening a new database together migrate it once, and reopening keeps the data', async () => {
      const replicas = await Promise.all([open(), open(), open()]);
      await Promise.all(replicas.map((s) => s.ping()));
      await replicas[0].storeCertificate(certificate({ serial: '99' }));
      await replicas[1].saveCrl(1n, Buffer.from('crl'), new Date(), 0n);
      const again = await open();
      assert.equal((await again.certificate('99'))?.serial, '99');
      assert.equal((await again.crlState()).crlNumber, 1n, 'a migration ran again (the CRL state was reset)');
    });

    it('exportRows pages every kind in key order; copyStore fills an empty store with the same rows and CRL state, and refuses a full one', async () => {
      const source = await open();
      for (const serial of ['30', '4', '1000', '21']) {
        await storeSerial(source, serial);
        await source.recordIssuance({ id: `t-${serial}`, expiresAt: new Date('2031-01-01T00:00:00Z') }, certificate());
      }
      await source.revoke(revocation('4'));
      await source.storeCertificate(certificate({ serial: '5', replaces: '4', groups: ['ops'] }));
      const peer: PeerRootsRecord = { url: 'https://peer.example', fingerprint: 'cd'.repeat(32), roots: [Buffer.from([0x30, 0])], fetchedAt: new Date(3_000), failures: 1, error: 'timeout', nextSyncAt: new Date(4_000) };
      await source.savePeerRoots(peer);
      await source.saveCrl(1n, Buffer.from('crl'), new Date('2030-01-01T00:00:00Z'), 1n);
      const pages: string[][] = [];
      for (let after = ''; pages.length < 5; ) {
        const page = (await source.exportRows('certificates', after, 3)).map((c) => c.serial);
        pages.push(page);
        if (page.length === 0) break;
        after = page[page.length - 1];
      }
      assert.deepEqual(pages.map((p) => p.length), [3, 3, 3, 0]);
      const serials = pages.flat();
      assert.deepEqual(serials, [...serials].sort());
      assert.equal(new Set(serials).size, 9);

      const other = await backend.fresh();
      try {
        const target = await other.open();
        try {
          assert.deepEqual(await copyStore(source, target), { certificates: 9, revocations: 1, usedTokens: 4, ...NO_ACME });
          assert.deepEqual(await target.certificate('1000'), await source.certificate('1000'));
          assert.deepEqual(await target.revocation('4'), await source.revocation('4'));
          assert.deepEqual(await target.certificate('5'), await source.certificate('5'), 'lineage and groups were not copied');
          assert.deepEqual(await target.peerRoots(), [peer]);
          assert.deepEqual(await target.crlState(), await source.crlState());
          assert.equal(await burn(target, 't-21'), false, 'used token ids were not copied');
          await assert.rejects(copyStore(source, target), (err: unknown) => err instanceof CopyError && /must be empty/.test(err.message));
        } finally {
          await target.close();
        }
      } finally {
        await other.drop();
      }
    });

    it("copyStore keeps issue times: a certificate's successors stay in the order they were issued", async () => {
      const source = await open();
      await source.storeCertificate(certificate({ serial: '1' }));
      await source.storeCertificate(certificate({ serial: '9', replaces: '1' }));
      // Issued later, with a smaller serial: only the issue time puts it second.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await source.storeCertificate(certificate({ serial: '8', replaces: '1' }));
      const successors = async (store: Store): Promise<string[]> => (await store.successors('1')).map((c) => c.serial);
      assert.deepEqual(await successors(source), ['9', '8']);
      const other = await backend.fresh();
      try {
        const target = await other.open();
        try {
          await copyStore(source, target);
          assert.deepEqual(await successors(target), ['9', '8']);
          assert.deepEqual(await target.exportRows('certificates', '', 10), await source.exportRows('certificates', '', 10));
        } finally {
          await target.close();
        }
      } finally {
        await other.drop();
      }
    });

    it('keeps peer roots per URL: saved, replaced, read by another connection, forgotten when unconfigured', async () => {
      const [a, b] = [await open(), await open()];
      const record: PeerRootsRecord = { url: 'https://peer.example:2443', fingerprint: 'ab'.repeat(32), roots: [Buffer.from([0x30, 1, 2]), Buffer.from([0x30, 3])], fetchedAt: new Date(1_000), failures: 0, error: '', nextSyncAt: new Date(2_000) };
      await a.savePeerRoots(record);
      assert.deepEqual(await b.peerRoots(), [record]);
      const failing = { ...record, failures: 2, error: 'the peer did not answer', nextSyncAt: new Date(9_000) };
      await b.savePeerRoots(failing);
      await a.savePeerRoots({ ...record, url: 'https://other.example', roots: [] });
      assert.deepEqual((await a.peerRoots()).find((r) => r.url === record.url), failing);
      assert.deepEqual((await a.peerRoots()).find((r) => r.url === 'https://other.example')?.roots, []);
      await a.forgetPeerRoots(['https://other.example']);
      assert.deepEqual((await b.peerRoots()).map((r) => r.url), ['https://other.example']);
      await a.forgetPeerRoots([]);
      assert.deepEqual(await b.peerRoots(), []);
    });

    it('a lease is held by one holder across connections until it expires or is released', async () => {
      const [a, b] = [await open(), await open()];
      const t = (ms: number): Date => new Date(1_000_000 + ms);
      assert.equal(await a.claimLease('sync', 'A', t(0), t(100)), true);
      assert.equal(await b.claimLease('sync', 'B', t(50), t(150)), false, 'held by A');
      assert.equal(await a.claimLease('sync', 'A', t(60), t(200)), true, 'A extends its own');
      assert.equal(await b.claimLease('sync', 'B', t(150), t(250)), false, 'A extended it to 200');
      assert.equal(await b.claimLease('sync', 'B', t(200), t(300)), true, 'expired: B takes it');
      await a.releaseLease('sync', 'A');
      assert.equal(await a.claimLease('sync', 'A', t(210), t(300)), false, "A's release does not end B's lease");
      await b.releaseLease('sync', 'B');
      assert.equal(await a.claimLease('sync', 'A', t(220), t(300)), true, 'released: free at once');
      assert.equal(await b.claimLease('other', 'B', t(220), t(300)), true, 'leases are per name');
    });

    it('a lease raced from two connections 20 times is won by exactly one holder', async () => {
      const [a, b] = [await open(), await open()];
      const now = new Date(5_000_000);
      const until = new Date(5_000_100);
      const won = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimLease('raced', `holder-${i}`, now, until)));
      assert.equal(won.filter(Boolean).length, 1);
    });

    it('records the serial a renewal replaced and the groups; successors, descendants and ancestors follow the line both ways', async () => {
      const store = await open();
      const line = (serial: string, replaces?: string): IssuedCertificate => certificate({ serial, ...(replaces ? { replaces } : {}) });
      // 1 → 2 → 3, and 2 → 4 (two renewals of one certificate), 9 alone.
      for (const c of [line('1'), line('2', '1'), line('3', '2'), line('4', '2'), line('9')]) await store.storeCertificate(c);
      await store.recordIssuance({ id: 'oidc', expiresAt: new Date(Date.now() + HOUR) }, certificate({ serial: '10', replaces: '9', groups: ['ops', 'vpn users'] }));
      assert.equal((await store.certificate('3'))?.replaces, '2');
      assert.equal((await store.certificate('1'))?.replaces, undefined);
      assert.equal((await store.certificate('1'))?.groups, undefined);
      assert.deepEqual((await store.certificate('10'))?.groups, ['ops', 'vpn users']);
      assert.deepEqual((await store.successors('2')).map((c) => c.serial).sort(), ['3', '4']);
      assert.deepEqual((await store.successors('9')).map((c) => c.serial), ['10']);
      assert.deepEqual(await store.successors('10'), []);
      assert.deepEqual((await descendants(store, '1')).map((c) => c.serial).sort(), ['2', '3', '4']);
      assert.deepEqual((await ancestors(store, (await store.certificate('3')) as IssuedCertificate)).map((c) => c.serial), ['1', '2']);
    });

    it('revokeAll revokes a list in one transaction: new ones only, the token burned once, nothing written for a used token', async () => {
      const store = await open();
      const token = { id: 'lineage-token', expiresAt: new Date(Date.now() + HOUR) };
      assert.equal(await store.revoke(revocation('2')), 'revoked');
      const before = (await store.crlState()).revocationSeq;
      assert.deepEqual(await store.revokeAll(['1', '2', '3'].map((s) => revocation(s)), token), ['1', '3']);
      assert.ok((await store.crlState()).revocationSeq > before, 'the stored CRL goes stale');
      assert.equal(await store.revokeAll([revocation('5')], token), 'token-used');
      assert.equal(await store.revocation('5'), undefined);
      const seq = (await store.crlState()).revocationSeq;
      assert.deepEqual(await store.revokeAll(['1', '3'].map((s) => revocation(s))), []);
      assert.equal((await store.crlState()).revocationSeq, seq, 'nothing new revoked, the CRL stays fresh');
      assert.equal(await burn(store, 'lineage-token'), false);
    });

    it('ACME nonces are consumed once, across connections, and not after they expire', async () => {
      const [a, b] = [await open(), await open()];
      await a.addAcmeNonce('n1', new Date(Date.now() + HOUR));
      await a.addAcmeNonce('n2', new Date(Date.now() - 1000));
      const both = await Promise.all([a.useAcmeNonce('n1', new Date()), b.useAcmeNonce('n1', new Date())]);
      assert.deepEqual(both.sort(), [false, true], 'a nonce was consumed twice');
      assert.equal(await b.useAcmeNonce('n2', new Date()), false, 'an expired nonce was accepted');
      assert.equal(await b.useAcmeNonce('never', new Date()), false);
    });

    it('ACME accounts: found by id and by key; a key has one account per provisioner; updates keep keys unique', async () => {
      const store = await open();
      assert.equal(await store.createAcmeAccount(account()), 'created');
      assert.deepEqual(await store.acmeAccount('acc-1'), account());
      assert.deepEqual(await store.acmeAccountByKey('acme', 'thumb-1'), account());
      assert.equal(await store.acmeAccountByKey('other', 'thumb-1'), undefined);
      assert.equal(await store.createAcmeAccount(account({ id: 'acc-2' })), 'key-exists');
      assert.equal(await store.acmeAccount('acc-2'), undefined);
      assert.equal(await store.createAcmeAccount(account({ id: 'acc-3', provisioner: 'other' })), 'created');
      assert.equal(await store.createAcmeAccount(account({ id: 'acc-4', thumbprint: 'thumb-4' })), 'created');
      assert.equal(await store.updateAcmeAccount(account({ id: 'acc-4', thumbprint: 'thumb-1' })), false, 'a key change took another account\'s key');
      const moved = account({ id: 'acc-4', thumbprint: 'thumb-5', status: 'deactivated', contact: [] });
      assert.equal(await store.updateAcmeAccount(moved), true);
      assert.deepEqual(await store.acmeAccountByKey('acme', 'thumb-5'), moved);
    });

    it('ACME accounts with EAB bind the key once, to one account, of its own provisioner', async () => {
      const store = await open();
      assert.equal(await store.addAcmeEabKey(eabKey()), true);
      assert.equal(await store.addAcmeEabKey(eabKey()), false, 'a key id was added twice');
      await store.addAcmeEabKey(eabKey({ keyId: 'kid-2', provisioner: 'other', reference: '' }));
      assert.equal(await store.createAcmeAccount(account({ eabKeyId: 'kid-2' })), 'eab-unusable');
      assert.equal(await store.createAcmeAccount(account({ eabKeyId: 'nope' })), 'eab-unusable');
      assert.equal(await store.acmeAccount('acc-1'), undefined);
      assert.equal(await store.createAcmeAccount(account({ eabKeyId: 'kid-1' })), 'created');
      assert.equal(await store.createAcmeAccount(account({ id: 'acc-2', thumbprint: 't2', eabKeyId: 'kid-1' })), 'eab-unusable');
      const bound = await store.acmeEabKey('kid-1');
      assert.equal(bound?.accountId, 'acc-1');
      assert.deepEqual(bound?.boundAt, T0);
      assert.deepEqual(bound?.hmacKey, Buffer.alloc(32, 7));
      assert.deepEqual((await store.acmeEabKeys()).map((k) => k.keyId), ['kid-1', 'kid-2']);
      assert.deepEqual((await store.acmeEabKeys('other')).map((k) => k.keyId), ['kid-2']);
      assert.equal(await store.removeAcmeEabKey('kid-2'), true);
      assert.equal(await store.removeAcmeEabKey('kid-2'), false);
      assert.equal(await store.acmeEabKey('kid-2'), undefined);
    });

    it('ACME orders and authorizations: created together, updated only at the revision they were read', async () => {
      const [a, b] = [await open(), await open()];
      await a.createAcmeAccount(account());
      await a.createAcmeOrder(order(), [authorization()]);
      assert.deepEqual(await b.acmeOrder('ord-1'), order());
      assert.deepEqual(await b.acmeAuthorization('authz-1'), authorization());
      assert.deepEqual(await b.acmeOrderIds('acc-1'), ['ord-1']);
      const processing = authorization({ challenges: [{ id: 'ch-1', type: 'http-01', token: 'tok', status: 'processing', attempts: 1, processingSince: T0 }] });
      const raced = await Promise.all([a.updateAcmeAuthorization(processing), b.updateAcmeAuthorization(processing)]);
      assert.deepEqual(raced.sort(), [false, true], 'two writers both updated one revision');
      const read = await a.acmeAuthorization('authz-1');
      assert.equal(read?.revision, 1);
      assert.deepEqual(read?.challenges, processing.challenges);
      assert.equal(await a.updateAcmeOrder(order({ status: 'ready' })), true);
      assert.equal(await b.updateAcmeOrder(order({ status: 'invalid' })), false);
      const ready = await b.acmeOrder('ord-1');
      assert.equal(ready?.status, 'ready');
      const cert = certificate({ provisioner: 'acme' });
      const valid = { ...(ready as AcmeOrderRecord), status: 'valid' as const, certificateSerial: cert.serial };
      assert.equal(await a.finishAcmeOrder(valid, cert), true);
      assert.equal(await b.finishAcmeOrder(valid, certificate()), false, 'a stale order was finished twice');
      assert.deepEqual(await b.certificate(cert.serial), cert);
      assert.equal((await b.acmeOrder('ord-1'))?.certificateSerial, cert.serial);
    });

    it('pruneAcme forgets expired nonces and expired unfinished orders, keeps valid ones', async () => {
      const store = await open();
      const now = new Date('2030-01-03T00:00:00Z');
      await store.addAcmeNonce('old', new Date('2030-01-02T00:00:00Z'));
      await store.addAcmeNonce('fresh', new Date('2030-01-04T00:00:00Z'));
      await store.createAcmeOrder(order(), [authorization()]);
      await store.createAcmeOrder(order({ id: 'ord-2', status: 'valid', authorizationIds: ['authz-2'] }), [authorization({ id: 'authz-2', orderId: 'ord-2', status: 'valid' })]);
      assert.equal(await store.pruneAcme(now), 3);
      assert.equal(await store.acmeOrder('ord-1'), undefined);
      assert.equal(await store.acmeAuthorization('authz-1'), undefined);
      assert.ok(await store.acmeOrder('ord-2'));
      assert.ok(await store.acmeAuthorization('authz-2'));
      assert.equal(await store.useAcmeNonce('fresh', now), true);
    });

    it('copyStore carries ACME accounts, orders, authorizations and EAB keys', async () => {
      const source = await open();
      await source.addAcmeEabKey(eabKey());
      await source.createAcmeAccount(account({ eabKeyId: 'kid-1' }));
      await source.createAcmeOrder(order(), [authorization()]);
      const other = await backend.fresh();
      try {
        const target = await other.open();
        try {
          assert.deepEqual(await copyStore(source, target), { certificates: 0, revocations: 0, usedTokens: 0, acmeAccounts: 1, acmeOrders: 1, acmeAuthorizations: 1, acmeEabKeys: 1 });
          assert.deepEqual(await target.acmeAccountByKey('acme', 'thumb-1'), account({ eabKeyId: 'kid-1' }));
          assert.deepEqual(await target.acmeOrder('ord-1'), order());
          assert.deepEqual(await target.acmeAuthorization('authz-1'), authorization());
          assert.deepEqual(await target.acmeEabKey('kid-1'), await source.acmeEabKey('kid-1'));
        } finally {
          await target.close();
        }
      } finally {
        await other.drop();
      }
    });

    it('ping answers while the store is open; close twice is harmless', async () => {
      const store = await db.open();
      await store.ping();
      await store.close();
      await store.close();
      await assert.rejects(store.ping(), (err: unknown) => err instanceof Unavailable);
    });
  });
}
