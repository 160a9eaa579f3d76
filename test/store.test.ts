import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../src/store/migrations.js';
import { openStore } from '../src/store/open.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { ancestors, descendants } from '../src/store/lineage.js';
import type { IssuedCertificate } from '../src/store/store.js';
import { tempDir } from './helpers/testCa.js';

const HOUR = 3600_000;

describe('SQLite store', () => {
  let dir: string;
  let file: string;
  const open: SqliteStore[] = [];
  const openAt = (path = file): SqliteStore => {
    const store = new SqliteStore(path);
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
    file = join(dir, 'db/fedca.sqlite');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its folder and applies every migration once, also across reopenings', async () => {
    await new SqliteStore(file).close();
    await new SqliteStore(file).close();
    assert.ok(existsSync(file));
    const db = new Database(file, { readonly: true });
    try {
      const versions = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
      assert.deepEqual(versions, MIGRATIONS.map((m) => m.version));
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
      for (const t of ['issued_certificates', 'revoked_certificates', 'used_tokens']) assert.ok(tables.includes(t), `no table ${t}`);
      assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM crl_state').get(), { n: 1 });
    } finally {
      db.close();
    }
  });

  it('copies the WAL into the database off the request path, and closes twice without trouble', async function () {
    this.timeout(10_000);
    const store = openAt();
    const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
    const before = sizeOf(file);
    for (let i = 0; i < 300; i++) {
      await store.recordIssuance(
        { id: `t${i}`, expiresAt: new Date(Date.now() + HOUR) },
        { serial: String(1000 + i), der: Buffer.alloc(600, i % 256), commonName: 'c', notBefore: new Date(), notAfter: new Date(Date.now() + HOUR), provisioner: 'p' },
      );
    }
    // 300 issuances stay far below SQLite's own 10,000-page checkpoint: only the checkpointer thread moves them.
    const deadline = Date.now() + 5_000;
    while (sizeOf(file) <= before + 100_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(sizeOf(file) > before + 100_000, `database file grew from ${before} to ${sizeOf(file)} bytes`);
    await store.close();
    await store.close();
  });

  it('numbers migrations from 1 without gaps', () => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
  });

  let serials = 0;
  /** Burns token `id` by recording an issuance with it; resolves whether the token was fresh. */
  const burn = (store: SqliteStore, id: string, expiresAt: Date): Promise<boolean> =>
    store.recordIssuance({ id, expiresAt }, { serial: String(++serials), der: Buffer.from([0x30, 0]), commonName: 'c', notBefore: new Date(), notAfter: new Date(Date.now() + HOUR), provisioner: 'p' });

  it('recordIssuance burns a token once: later uses record nothing', async () => {
    const store = openAt();
    const exp = new Date(Date.now() + HOUR);
    assert.equal(await burn(store, 'jti-1', exp), true);
    const serialOfRefused = String(serials + 1);
    assert.equal(await burn(store, 'jti-1', exp), false);
    assert.equal(await store.certificate(serialOfRefused), undefined, 'a refused issuance stores no certificate');
    assert.equal(await burn(store, 'jti-1', new Date(Date.now() + 2 * HOUR)), false);
    assert.equal(await burn(store, 'jti-2', exp), true);
  });

  it('recordUsedTokens burns ids spent elsewhere (an adopted CA\'s), twice without harm', async () => {
    const store = openAt();
    const exp = new Date(Date.now() + HOUR);
    await store.recordUsedTokens([{ id: 'adopted-1', expiresAt: exp }, { id: 'adopted-2', expiresAt: exp }]);
    await store.recordUsedTokens([{ id: 'adopted-1', expiresAt: exp }]);
    assert.equal(await burn(store, 'adopted-1', exp), false);
    assert.equal(await burn(store, 'adopted-2', exp), false);
    assert.equal(await burn(store, 'adopted-3', exp), true);
  });

  it('a token used through one connection is used for another on the same database', async () => {
    const a = openAt();
    const b = openAt();
    assert.equal(await burn(a, 'shared', new Date(Date.now() + HOUR)), true);
    assert.equal(await burn(b, 'shared', new Date(Date.now() + HOUR)), false);
  });

  it('pruneUsedTokens forgets only the expired ones', async () => {
    const store = openAt();
    const now = new Date();
    await burn(store, 'expired-1', new Date(now.getTime() - HOUR));
    await burn(store, 'expired-2', new Date(now.getTime() - 1));
    await burn(store, 'live', new Date(now.getTime() + HOUR));
    assert.equal(await store.pruneUsedTokens(now), 2);
    assert.equal(await burn(store, 'live', new Date(now.getTime() + HOUR)), false, 'a live token was forgotten');
    assert.equal(await burn(store, 'expired-1', new Date(now.getTime() + HOUR)), true, 'an expired token was kept');
    assert.equal(await store.pruneUsedTokens(now), 0);
  });

  it('stores an issued certificate and finds it by serial', async () => {
    const store = openAt();
    const cert: IssuedCertificate = {
      serial: '123456789012345678901234567890',
      der: Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]),
      commonName: 'svc.example.test',
      notBefore: new Date('2030-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-02T00:00:00Z'),
      provisioner: 'admin',
    };
    await store.storeCertificate(cert);
    assert.deepEqual(await store.certificate(cert.serial), cert);
    assert.equal(await store.certificate('1'), undefined);
    await assert.rejects(store.storeCertificate(cert), /UNIQUE/, 'a serial was stored twice');
  });

  it('keeps peer roots per URL: saved, replaced, read by another connection, forgotten when unconfigured', async () => {
    const [a, b] = [openAt(), openAt()];
    const record = { url: 'https://peer.example:2443', fingerprint: 'ab'.repeat(32), roots: [Buffer.from([0x30, 1, 2]), Buffer.from([0x30, 3])], fetchedAt: new Date(1_000), failures: 0, error: '', nextSyncAt: new Date(2_000) };
    await a.savePeerRoots(record);
    assert.deepEqual(await b.peerRoots(), [record]);
    const failing = { ...record, failures: 2, error: 'the peer did not answer', nextSyncAt: new Date(9_000) };
    await b.savePeerRoots(failing);
    await a.savePeerRoots({ ...record, url: 'https://other.example' });
    assert.deepEqual((await a.peerRoots()).find((r) => r.url === record.url), failing);
    await a.forgetPeerRoots(['https://other.example']);
    assert.deepEqual((await b.peerRoots()).map((r) => r.url), ['https://other.example']);
    await a.forgetPeerRoots([]);
    assert.deepEqual(await b.peerRoots(), []);
  });

  it('a lease is held by one holder across connections until it expires or is released', async () => {
    const [a, b] = [openAt(), openAt()];
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

  const cert = (serial: string, replaces?: string): IssuedCertificate => ({
    serial,
    der: Buffer.from(serial),
    commonName: 'line',
    notBefore: new Date(),
    notAfter: new Date(Date.now() + HOUR),
    provisioner: 'p',
    ...(replaces ? { replaces } : {}),
  });

  it('records the serial a renewal replaced; successors, descendants and ancestors follow the line both ways', async () => {
    const store = openAt();
    // 1 → 2 → 3, and 2 → 4 (two renewals of one certificate), 9 alone.
    for (const c of [cert('1'), cert('2', '1'), cert('3', '2'), cert('4', '2'), cert('9')]) await store.storeCertificate(c);
    assert.equal((await store.certificate('3'))?.replaces, '2');
    assert.equal((await store.certificate('1'))?.replaces, undefined);
    assert.deepEqual((await store.successors('2')).map((c) => c.serial).sort(), ['3', '4']);
    assert.deepEqual(await store.successors('9'), []);
    assert.deepEqual((await descendants(store, '1')).map((c) => c.serial).sort(), ['2', '3', '4']);
    assert.deepEqual((await ancestors(store, (await store.certificate('3')) as IssuedCertificate)).map((c) => c.serial), ['1', '2']);
  });

  it('revokeAll revokes a list in one transaction: new ones only, the token burned once, nothing written for a used token', async () => {
    const store = openAt();
    const revocation = (serial: string) => ({ serial, reasonCode: 1, reason: '', revokedAt: new Date(), notAfter: new Date(Date.now() + HOUR), provisioner: 'p' });
    const token = { id: 'lineage-token', expiresAt: new Date(Date.now() + HOUR) };
    assert.equal(await store.revoke(revocation('2')), 'revoked');
    const before = (await store.crlState()).revocationSeq;
    assert.deepEqual(await store.revokeAll(['1', '2', '3'].map(revocation), token), ['1', '3']);
    assert.ok((await store.crlState()).revocationSeq > before, 'the stored CRL goes stale');
    assert.equal(await store.revokeAll([revocation('5')], token), 'token-used');
    assert.equal(await store.revocation('5'), undefined);
    assert.deepEqual(await store.revokeAll(['1', '3'].map(revocation)), []);
  });

  it('openStore resolves a relative sqlite path against the home', async () => {
    const store = await openStore({ type: 'sqlite', dataSource: 'db/fedca.sqlite' }, dir);
    await store.close();
    assert.ok(existsSync(file));
  });
});
