import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpointer } from '../src/store/checkpointer.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { openStore } from '../src/store/open.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { tempDir } from './helpers/testCa.js';

const HOUR = 3600_000;

/** What only the SQLite backend does; what every store does is in store.contract.test.ts. */
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
    // 300 issuances stay far below SQLite's own 50,000-page checkpoint: only the checkpointer thread moves them.
    const deadline = Date.now() + 5_000;
    while (sizeOf(file) <= before + 100_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(sizeOf(file) > before + 100_000, `database file grew from ${before} to ${sizeOf(file)} bytes`);
    await store.close();
    await store.close();
  });

  it('migration 6 moves a stored CRL out of the stamp row, keeping it, its number and its revocation count', async () => {
    // A database as version 5 left it, holding a CRL.
    const db = new Database(join(dir, 'old.sqlite'));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    for (const m of MIGRATIONS.filter((m) => m.version <= 5)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
    }
    const der = Buffer.alloc(100_000, 7);
    db.prepare('UPDATE crl_state SET crl_number = 4, der = ?, this_update = 1764331200000, built_from_seq = 9, revocation_seq = 9 WHERE id = 1').run(der);
    db.close();
    const store = openAt(join(dir, 'old.sqlite'));
    const state = await store.crlState();
    assert.equal(state.crlNumber, 4n);
    assert.ok(state.der?.equals(der));
    assert.equal(state.thisUpdate.getTime(), 1764331200000);
    assert.equal(state.revocationSeq, 9n);
    // And the stamp row no longer carries it.
    const reader = new Database(join(dir, 'old.sqlite'), { readonly: true });
    const columns = (reader.prepare('PRAGMA table_info(crl_state)').all() as { name: string }[]).map((c) => c.name);
    reader.close();
    assert.ok(!columns.includes('der'), `crl_state columns: ${columns.join(', ')}`);
    assert.equal(await store.saveCrl(5n, Buffer.from('next'), new Date(1764331260000), 9n), true);
    assert.equal(await store.saveCrl(5n, Buffer.from('lost race'), new Date(1764331260000), 9n), false);
    assert.equal((await store.crlState()).der?.toString(), 'next');
  });

  it('starts the WAL over while another connection never stops writing', async function () {
    this.timeout(15_000);
    // A connection as a server worker opens it (no checkpointer of its own).
    const writer = new SqliteStore(file, { walCheckpoints: false });
    open.push(writer);
    // Restarts after a few frames here, so that the test need not write megabytes.
    const checkpointer = new Checkpointer(file, { everyMs: 20, restartFrames: 64 });
    const wal = `${file}-wal`;
    // The WAL header's checkpoint sequence number (bytes 12-15) counts the times the WAL was started over.
    const restarts = (): number => (existsSync(wal) && statSync(wal).size >= 32 ? readFileSync(wal).readUInt32BE(12) : 0);
    try {
      const first = restarts();
      const deadline = Date.now() + 10_000;
      let i = 0;
      // Writes of 200 certificates at a time, one after another, up to 40,000 (about 7,500
      // frames): far below the writer's own autocheckpoint (50,000 frames), so only the
      // checkpointer thread can start the WAL over.
      while (restarts() < first + 3 && i < 40_000 && Date.now() < deadline) {
        const batch = Array.from({ length: 200 }, (_, k) => ({
          serial: String(1000 + i + k), der: Buffer.alloc(600, k % 256), commonName: 'c', notBefore: new Date(), notAfter: new Date(Date.now() + HOUR), provisioner: 'p',
        }));
        await writer.importRows({ certificates: batch });
        i += batch.length;
      }
      assert.ok(restarts() >= first + 3, `the WAL was started over ${restarts() - first} times in ${i} certificates written`);
      // Nothing written was lost to the restarts.
      assert.equal((await writer.counts()).certificates, i);
    } finally {
      // The writer first, as a store closes its own connection before its checkpointer.
      await writer.close();
      await checkpointer.stop();
    }
  });

  it('commits issuances that arrive together in one go, each on its own: a refused one burns nothing and takes no other down', async () => {
    const store = openAt();
    const token = (id: string): { id: string; expiresAt: Date } => ({ id, expiresAt: new Date(Date.now() + HOUR) });
    const cert = (serial: string): { serial: string; der: Buffer; commonName: string; notBefore: Date; notAfter: Date; provisioner: string } => ({
      serial, der: Buffer.alloc(600, 7), commonName: 'c', notBefore: new Date(), notAfter: new Date(Date.now() + HOUR), provisioner: 'p',
    });
    await store.recordIssuance(token('before'), cert('1'));
    // Submitted in one turn of the event loop, so committed in one transaction.
    const outcomes = await Promise.allSettled([
      store.recordIssuance(token('a'), cert('2')),
      store.recordIssuance(token('a'), cert('3')), // the same token again: refused, nothing recorded
      store.recordIssuance(token('b'), cert('1')), // a serial already stored: its write fails alone, and its token stays unused
      store.recordIssuance(token('c'), cert('4')),
      store.storeCertificate(cert('5')),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : undefined)), [true, false, undefined, true, undefined]);
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /UNIQUE constraint failed: issued_certificates.serial/);
    assert.equal(await store.recordIssuance(token('b'), cert('6')), true, 'the token of the refused write was burned');
    for (const serial of ['1', '2', '4', '5', '6']) assert.ok(await store.certificate(serial), `certificate ${serial} missing`);
    assert.equal(await store.certificate('3'), undefined);
    assert.deepEqual(await store.counts(), { ...(await store.counts()), certificates: 5, usedTokens: 4 });
  });

  it('writes the pages that issuances arriving together share once, not once each', async () => {
    const store = new SqliteStore(file, { walCheckpoints: false });
    open.push(store);
    // The WAL's length in frames: nothing checkpoints it here (no checkpointer thread, far below SQLite's own threshold).
    const frames = (): number => (statSync(`${file}-wal`).size - 32) / (4096 + 24);
    const issue = (i: number): Promise<boolean> =>
      store.recordIssuance({ id: `t${i}`, expiresAt: new Date(Date.now() + HOUR) }, { serial: String(100 + i), der: Buffer.alloc(300, i), commonName: 'c', notBefore: new Date(), notAfter: new Date(Date.now() + HOUR), provisioner: 'p' });
    const before = frames();
    await Promise.all(Array.from({ length: 20 }, (_, i) => issue(i)));
    const together = frames() - before;
    for (let i = 20; i < 40; i++) await issue(i);
    const apart = frames() - before - together;
    // Each commit appends every page it changed (table, serial index, token, ...) to the WAL.
    assert.ok(together * 4 < apart, `20 issuances together wrote ${together} WAL frames, one after another ${apart}`);
  });

  it('finishes the writes already submitted before it closes', async () => {
    const store = new SqliteStore(file);
    const writes = Array.from({ length: 20 }, (_, i) =>
      store.recordIssuance({ id: `t${i}`, expiresAt: new Date(Date.now() + HOUR) }, { serial: String(100 + i), der: Buffer.alloc(600, i), commonName: 'c', notBefore: new Date(), notAfter: new Date(Date.now() + HOUR), provisioner: 'p' }),
    );
    await store.close();
    assert.deepEqual(await Promise.all(writes), writes.map(() => true));
    const reopened = openAt();
    assert.equal((await reopened.counts()).certificates, 20);
  });

  it('numbers migrations from 1 without gaps', () => {
    assert.deepEqual(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
  });

  it('openStore resolves a relative sqlite path against the home', async () => {
    const store = await openStore({ type: 'sqlite', dataSource: 'db/fedca.sqlite' }, dir);
    await store.close();
    assert.ok(existsSync(file));
  });
});
