import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Unavailable } from '../errors.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './groupCommit.js';
import { MIGRATIONS } from './migrations.js';
import { retryWhileBusy } from './retryBusy.js';
import { decodeAccount, decodeAuthorization, decodeEabKey, decodeOrder, encodeAccount, encodeAuthorization, encodeEabKey, encodeOrder } from './acmeRows.js';
import type {
  AcmeAccountOutcome,
  AcmeAccountRecord,
  AcmeAuthorizationRecord,
  AcmeEabKeyRecord,
  AcmeOrderRecord,
  CrlStamp,
  CrlState,
  IssuedCertificate,
  PeerRootsRecord,
  Revocation,
  RevokedEntry,
  RevokeOutcome,
  Store,
  StoreCounts,
  StoreRows,
  UsedToken,
} from './store.js';

interface CertificateRow {
  serial: string;
  der: Buffer;
  common_name: string;
  not_before: number;
  not_after: number;
  provisioner: string;
  issued_at: number;
  replaces: string | null;
  groups: string | null;
}

const toCertificate = (row: CertificateRow): IssuedCertificate => ({
  serial: row.serial,
  der: row.der,
  commonName: row.common_name,
  notBefore: new Date(row.not_before),
  notAfter: new Date(row.not_after),
  provisioner: row.provisioner,
  ...(row.replaces === null ? {} : { replaces: row.replaces }),
  ...(row.groups === null ? {} : { groups: JSON.parse(row.groups) as string[] }),
});

interface RevocationRow {
  serial: string;
  reason_code: number;
  reason: string;
  revoked_at: number;
  not_after: number;
  provisioner: string;
}

interface PeerRootsRow {
  url: string;
  fingerprint: string;
  roots: string;
  fetched_at: number;
  failures: number;
  error: string;
  next_sync_at: number;
}

const toPeerRoots = (r: PeerRootsRow): PeerRootsRecord => ({
  url: r.url,
  fingerprint: r.fingerprint,
  roots: (JSON.parse(r.roots) as string[]).map((b64) => Buffer.from(b64, 'base64')),
  fetchedAt: new Date(r.fetched_at),
  failures: r.failures,
  error: r.error,
  nextSyncAt: new Date(r.next_sync_at),
});

/** What exportRows reads for each kind, in key order. */
const EXPORTS: { readonly [K in keyof StoreRows]: { readonly sql: string; readonly map: (row: never) => StoreRows[K] } } = {
  certificates: { sql: 'SELECT * FROM issued_certificates WHERE serial > ? ORDER BY serial LIMIT ?', map: (row: CertificateRow) => ({ ...toCertificate(row), issuedAt: new Date(row.issued_at) }) },
  revocations: { sql: 'SELECT * FROM revoked_certificates WHERE serial > ? ORDER BY serial LIMIT ?', map: (row: RevocationRow) => toRevocation(row) },
  usedTokens: { sql: 'SELECT * FROM used_tokens WHERE id > ? ORDER BY id LIMIT ?', map: (row: { id: string; expires_at: number }) => ({ id: row.id, expiresAt: new Date(row.expires_at) }) },
  acmeAccounts: { sql: 'SELECT data FROM acme_accounts WHERE id > ? ORDER BY id LIMIT ?', map: (row: { data: string }) => decodeAccount(row.data) },
  acmeOrders: { sql: 'SELECT data, revision FROM acme_orders WHERE id > ? ORDER BY id LIMIT ?', map: (row: { data: string; revision: number }) => decodeOrder(row.data, row.revision) },
  acmeAuthorizations: { sql: 'SELECT data, revision FROM acme_authorizations WHERE id > ? ORDER BY id LIMIT ?', map: (row: { data: string; revision: number }) => decodeAuthorization(row.data, row.revision) },
  acmeEabKeys: { sql: 'SELECT data, account_id, bound_at FROM acme_eab_keys WHERE key_id > ? ORDER BY key_id LIMIT ?', map: (row: EabRow) => decodeEabKey(row.data, row.account_id, row.bound_at) },
};

interface EabRow {
  data: string;
  account_id: string | null;
  bound_at: number | null;
}

/** Thrown inside a transaction to roll it back with this outcome. */
class AccountRefused extends Error {
  constructor(readonly outcome: AcmeAccountOutcome) {
    super(outcome);
  }
}

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';

const toRevocation = (r: RevocationRow): Revocation => ({
  serial: r.serial,
  reasonCode: r.reason_code,
  reason: r.reason,
  revokedAt: new Date(r.revoked_at),
  notAfter: new Date(r.not_after),
  provisioner: r.provisioner,
});

/** Applies the migrations the database does not have yet, each in a transaction. */
function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
    })();
  }
}

/**
 * Creates the database file 0600 (and its folder 0700) when it does not exist, modes
 * set explicitly rather than left to the umask; SQLite gives its -wal and -shm files
 * the database file's mode. An existing file keeps the mode its owner chose.
 */
function createPrivately(file: string): void {
  if (mkdirSync(dirname(file), { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dirname(file), 0o700);
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  closeSync(fd);
  chmodSync(file, 0o600);
}

/** Thrown inside the revocation transaction to roll it back. */
class AlreadyRevoked extends Error {}

/** WAL frames (200 MiB of 4 KiB pages) past which a commit checkpoints inline: far past where the checkpointer starts the WAL over. */
const INLINE_CHECKPOINT_FRAMES = 50_000;

/** How a SQLite store is opened. */
export interface SqliteOptions {
  /** Whether this connection checkpoints the WAL from a thread of its own (default true). */
  readonly walCheckpoints?: boolean;
}

/** The default store: one SQLite file (WAL mode), opened and migrated. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly checkpointer?: Checkpointer;
  private readonly insertCertificate: Database.Statement;
  private readonly selectCertificate: Database.Statement;
  private readonly insertToken: Database.Statement;
  private readonly deleteTokens: Database.Statement;
  private readonly issuances: GroupCommit<{ readonly token: UsedToken; readonly certificate: IssuedCertificate }, boolean>;
  private readonly certificateWrites: GroupCommit<IssuedCertificate, void>;
  private readonly revocationTx: Database.Transaction<(revocation: Revocation, token?: UsedToken) => RevokeOutcome>;
  private readonly revokeAllTx: Database.Transaction<(revocations: readonly Revocation[], token?: UsedToken) => readonly string[] | 'token-used'>;
  private readonly selectSuccessors: Database.Statement;
  private readonly selectRevocation: Database.Statement;
  private readonly selectCrlEntries: Database.Statement;
  private readonly countCrlEntries: Database.Statement;
  private readonly selectCrl: Database.Statement;
  private readonly selectCrlStamp: Database.Statement;
  private readonly updateCrl: Database.Transaction<(crlNumber: bigint, der: Buffer, thisUpdate: number, builtFromSeq: bigint) => boolean>;
  private readonly selectPeerRoots: Database.Statement;
  private readonly upsertPeerRoots: Database.Statement;
  private readonly upsertLease: Database.Statement;
  private readonly deleteLease: Database.Statement;
  /** The ACME statements, prepared on first use (statement()). */
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * Opens (creating when needed) the database at `file`; ':memory:' for tests. With
   * `walCheckpoints` false another process checkpoints the WAL (a server's workers
   * leave it to their primary: one checkpointer thread, not one per worker, each of
   * which costs a V8 isolate, about 10 MiB).
   */
  constructor(file: string, options: SqliteOptions = {}) {
    if (file !== ':memory:') createPrivately(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // SQLite's default page cache (2 MiB), not more. In WAL mode a connection drops its whole
    // cache whenever another one (another worker) has committed, so a server's workers never
    // fill a large one; and every B-tree split of a random key (balance_nonroot renumbers
    // pages through the pending-byte page) makes the commit scan the cache's whole hash table.
    // Measured 2026-11-28, one process recording issuances: 64 MiB cost 120–134 µs of CPU an
    // issuance, 2 MiB 98–113 µs (that scan was 14% of the CPU with 64 MiB, 1.3% with 2 MiB).
    this.db.pragma('cache_size = -2000');
    migrate(this.db);
    if (file !== ':memory:') {
      // Checkpoints happen off the request path (checkpointer.ts), which also starts the
      // WAL over; SQLite's own, inline in a commit, are only a safety net should that
      // thread stop or fall far behind.
      this.db.pragma(`wal_autocheckpoint = ${INLINE_CHECKPOINT_FRAMES}`);
      if (options.walCheckpoints !== false) this.checkpointer = new Checkpointer(file);
    }
    // From here on a locked database fails fast and the write is retried off the event loop (retryWhileBusy).
    this.db.pragma('busy_timeout = 0');
    this.insertCertificate = this.db.prepare(
      'INSERT INTO issued_certificates (serial, der, common_name, not_before, not_after, provisioner, issued_at, replaces, groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectCertificate = this.db.prepare('SELECT * FROM issued_certificates WHERE serial = ?');
    this.insertToken = this.db.prepare('INSERT INTO used_tokens (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING');
    this.deleteTokens = this.db.prepare('DELETE FROM used_tokens WHERE expires_at < ?');
    this.issuances = new GroupCommit(
      this.db,
      this.db.transaction(({ token, certificate }: { readonly token: UsedToken; readonly certificate: IssuedCertificate }): boolean => {
        if (this.insertToken.run(token.id, token.expiresAt.getTime()).changes !== 1) return false;
        this.insertCertificateRow(certificate);
        return true;
      }),
    );
    this.certificateWrites = new GroupCommit(
      this.db,
      this.db.transaction((c: IssuedCertificate): void => this.insertCertificateRow(c)),
    );
    const insertRevocation = this.db.prepare(
      'INSERT INTO revoked_certificates (serial, reason_code, reason, revoked_at, not_after, provisioner) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (serial) DO NOTHING',
    );
    const countRevocation = this.db.prepare('UPDATE crl_state SET revocation_seq = revocation_seq + 1 WHERE id = 1');
    this.revocationTx = this.db.transaction((r: Revocation, token?: UsedToken): RevokeOutcome => {
      if (token && this.insertToken.run(token.id, token.expiresAt.getTime()).changes !== 1) return 'token-used';
      if (insertRevocation.run(r.serial, r.reasonCode, r.reason, r.revokedAt.getTime(), r.notAfter.getTime(), r.provisioner).changes !== 1) {
        // Roll back the token burn: a refused revocation writes nothing.
        throw new AlreadyRevoked();
      }
      countRevocation.run();
      return 'revoked';
    });
    this.revokeAllTx = this.db.transaction((list: readonly Revocation[], token?: UsedToken): readonly string[] | 'token-used' => {
      if (token && this.insertToken.run(token.id, token.expiresAt.getTime()).changes !== 1) return 'token-used';
      const revoked = list.filter((r) => insertRevocation.run(r.serial, r.reasonCode, r.reason, r.revokedAt.getTime(), r.notAfter.getTime(), r.provisioner).changes === 1).map((r) => r.serial);
      if (revoked.length) countRevocation.run();
      return revoked;
    });
    this.selectSuccessors = this.db.prepare('SELECT * FROM issued_certificates WHERE replaces = ? ORDER BY issued_at, serial');
    this.selectRevocation = this.db.prepare('SELECT * FROM revoked_certificates WHERE serial = ?');
    // Three columns as arrays (raw): for 100,000 revocations, all six columns as objects took
    // 400-620 ms of CPU and these 130-300 (2026-11-28, a busy machine; SQLite's own scan and
    // sort about 15 ms, the rest making the JavaScript values).
    this.selectCrlEntries = this.db.prepare('SELECT serial, revoked_at, reason_code FROM revoked_certificates WHERE not_after > ? ORDER BY revoked_at, serial').raw(true);
    this.countCrlEntries = this.db.prepare('SELECT COUNT(*) FROM revoked_certificates WHERE not_after > ?').pluck(true);
    this.selectCrl = this.db
      .prepare('SELECT s.crl_number, d.der, s.this_update, s.built_from_seq, s.revocation_seq FROM crl_state s JOIN crl_der d ON d.id = s.id WHERE s.id = 1')
      .safeIntegers(true);
    this.selectCrlStamp = this.db.prepare('SELECT crl_number, this_update, built_from_seq, revocation_seq FROM crl_state WHERE id = 1').safeIntegers(true);
    const updateCrlStamp = this.db.prepare('UPDATE crl_state SET crl_number = ?, this_update = ?, built_from_seq = ? WHERE id = 1 AND crl_number = ?');
    const updateCrlDer = this.db.prepare('UPDATE crl_der SET der = ? WHERE id = 1');
    this.updateCrl = this.db.transaction((crlNumber: bigint, der: Buffer, thisUpdate: number, builtFromSeq: bigint): boolean => {
      if (updateCrlStamp.run(crlNumber, thisUpdate, builtFromSeq, crlNumber - 1n).changes !== 1) return false;
      updateCrlDer.run(der);
      return true;
    });
    this.selectPeerRoots = this.db.prepare('SELECT * FROM peer_roots');
    this.upsertPeerRoots = this.db.prepare(
      `INSERT INTO peer_roots (url, fingerprint, roots, fetched_at, failures, error, next_sync_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (url) DO UPDATE SET fingerprint = excluded.fingerprint, roots = excluded.roots, fetched_at = excluded.fetched_at,
         failures = excluded.failures, error = excluded.error, next_sync_at = excluded.next_sync_at`,
    );
    // Taken when free or expired, or already ours; one statement, so atomic across processes.
    this.upsertLease = this.db.prepare(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`,
    );
    this.deleteLease = this.db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?');
  }

  /** `sql` prepared once per store, on first use: every ACME request runs a few of the same statements. */
  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  private insertCertificateRow(c: IssuedCertificate): void {
    this.insertCertificate.run(c.serial, c.der, c.commonName, c.notBefore.getTime(), c.notAfter.getTime(), c.provisioner, c.issuedAt?.getTime() ?? Date.now(), c.replaces ?? null, c.groups ? JSON.stringify(c.groups) : null);
  }

  storeCertificate(c: IssuedCertificate): Promise<void> {
    return this.certificateWrites.submit(c);
  }

  recordIssuance(token: UsedToken, certificate: IssuedCertificate): Promise<boolean> {
    return this.issuances.submit({ token, certificate });
  }

  async certificate(serial: string): Promise<IssuedCertificate | undefined> {
    const row = (await retryWhileBusy(() => this.selectCertificate.get(serial))) as CertificateRow | undefined;
    return row ? toCertificate(row) : undefined;
  }

  async successors(serial: string): Promise<IssuedCertificate[]> {
    return ((await retryWhileBusy(() => this.selectSuccessors.all(serial))) as CertificateRow[]).map(toCertificate);
  }

  async revokeAll(revocations: readonly Revocation[], token?: UsedToken): Promise<readonly string[] | 'token-used'> {
    return retryWhileBusy(() => this.revokeAllTx.immediate(revocations, token));
  }

  async revoke(revocation: Revocation, token?: UsedToken): Promise<RevokeOutcome> {
    try {
      return await retryWhileBusy(() => this.revocationTx.immediate(revocation, token));
    } catch (err) {
      if (err instanceof AlreadyRevoked) return 'already-revoked';
      throw err;
    }
  }

  async revocation(serial: string): Promise<Revocation | undefined> {
    const row = (await retryWhileBusy(() => this.selectRevocation.get(serial))) as RevocationRow | undefined;
    return row ? toRevocation(row) : undefined;
  }

  async crlEntries(now: Date): Promise<RevokedEntry[]> {
    const rows = (await retryWhileBusy(() => this.selectCrlEntries.all(now.getTime()))) as [serial: string, revokedAt: number, reasonCode: number][];
    return rows.map(([serial, revokedAt, reasonCode]) => ({ serial, revokedAt: new Date(revokedAt), reasonCode }));
  }

  async crlEntryCount(now: Date): Promise<number> {
    return (await retryWhileBusy(() => this.countCrlEntries.get(now.getTime()))) as number;
  }

  async crlState(): Promise<CrlState> {
    const row = (await retryWhileBusy(() => this.selectCrl.get())) as { crl_number: bigint; der: Buffer | null; this_update: bigint; built_from_seq: bigint; revocation_seq: bigint };
    return {
      crlNumber: row.crl_number,
      der: row.der ?? undefined,
      thisUpdate: new Date(Number(row.this_update)),
      builtFromSeq: row.built_from_seq,
      revocationSeq: row.revocation_seq,
    };
  }

  async crlStamp(): Promise<CrlStamp> {
    const row = (await retryWhileBusy(() => this.selectCrlStamp.get())) as { crl_number: bigint; this_update: bigint; built_from_seq: bigint; revocation_seq: bigint };
    return { crlNumber: row.crl_number, thisUpdate: new Date(Number(row.this_update)), builtFromSeq: row.built_from_seq, revocationSeq: row.revocation_seq };
  }

  async saveCrl(crlNumber: bigint, der: Buffer, thisUpdate: Date, builtFromSeq: bigint): Promise<boolean> {
    return retryWhileBusy(() => this.updateCrl.immediate(crlNumber, der, thisUpdate.getTime(), builtFromSeq));
  }

  async recordUsedTokens(tokens: readonly UsedToken[]): Promise<void> {
    const burn = this.db.transaction((all: readonly UsedToken[]) => {
      for (const t of all) this.insertToken.run(t.id, t.expiresAt.getTime());
    });
    await retryWhileBusy(() => burn.immediate(tokens));
  }

  async peerRoots(): Promise<PeerRootsRecord[]> {
    return ((await retryWhileBusy(() => this.selectPeerRoots.all())) as PeerRootsRow[]).map(toPeerRoots);
  }

  async savePeerRoots(r: PeerRootsRecord): Promise<void> {
    const roots = JSON.stringify(r.roots.map((der) => der.toString('base64')));
    await retryWhileBusy(() => this.upsertPeerRoots.run(r.url, r.fingerprint, roots, r.fetchedAt.getTime(), r.failures, r.error, r.nextSyncAt.getTime()));
  }

  async forgetPeerRoots(keepUrls: readonly string[]): Promise<void> {
    await retryWhileBusy(() => this.db.prepare(`DELETE FROM peer_roots WHERE url NOT IN (${keepUrls.map(() => '?').join(', ')})`).run(...keepUrls));
  }

  async claimLease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return (await retryWhileBusy(() => this.upsertLease.run(name, holder, until.getTime(), now.getTime()))).changes === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await retryWhileBusy(() => this.deleteLease.run(name, holder));
  }

  async pruneUsedTokens(now: Date): Promise<number> {
    return (await retryWhileBusy(() => this.deleteTokens.run(now.getTime()))).changes;
  }

  async addAcmeNonce(nonce: string, expiresAt: Date): Promise<void> {
    await retryWhileBusy(() => this.statement('INSERT INTO acme_nonces (nonce, expires_at) VALUES (?, ?)').run(nonce, expiresAt.getTime()));
  }

  async useAcmeNonce(nonce: string, now: Date): Promise<boolean> {
    return (await retryWhileBusy(() => this.statement('DELETE FROM acme_nonces WHERE nonce = ? AND expires_at > ?').run(nonce, now.getTime()))).changes === 1;
  }

  private insertAccountRow(a: AcmeAccountRecord): void {
    this.statement('INSERT INTO acme_accounts (id, provisioner, thumbprint, data) VALUES (?, ?, ?, ?)').run(a.id, a.provisioner, a.thumbprint, encodeAccount(a));
  }

  async createAcmeAccount(account: AcmeAccountRecord): Promise<AcmeAccountOutcome> {
    const create = this.db.transaction((a: AcmeAccountRecord) => {
      if (a.eabKeyId !== undefined) {
        const bound = this.db
          .prepare('UPDATE acme_eab_keys SET account_id = ?, bound_at = ? WHERE key_id = ? AND provisioner = ? AND account_id IS NULL')
          .run(a.id, a.createdAt.getTime(), a.eabKeyId, a.provisioner);
        if (bound.changes !== 1) throw new AccountRefused('eab-unusable');
      }
      try {
        this.insertAccountRow(a);
      } catch (err) {
        if (isUniqueViolation(err)) throw new AccountRefused('key-exists');
        throw err;
      }
    });
    try {
      await retryWhileBusy(() => create.immediate(account));
      return 'created';
    } catch (err) {
      if (err instanceof AccountRefused) return err.outcome;
      throw err;
    }
  }

  async acmeAccount(id: string): Promise<AcmeAccountRecord | undefined> {
    const row = (await retryWhileBusy(() => this.statement('SELECT data FROM acme_accounts WHERE id = ?').get(id))) as { data: string } | undefined;
    return row ? decodeAccount(row.data) : undefined;
  }

  async acmeAccountByKey(provisioner: string, thumbprint: string): Promise<AcmeAccountRecord | undefined> {
    const row = (await retryWhileBusy(() => this.statement('SELECT data FROM acme_accounts WHERE provisioner = ? AND thumbprint = ?').get(provisioner, thumbprint))) as { data: string } | undefined;
    return row ? decodeAccount(row.data) : undefined;
  }

  async updateAcmeAccount(a: AcmeAccountRecord): Promise<boolean> {
    try {
      await retryWhileBusy(() => this.statement('UPDATE acme_accounts SET thumbprint = ?, data = ? WHERE id = ?').run(a.thumbprint, encodeAccount(a), a.id));
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  private insertOrderRow(o: AcmeOrderRecord): void {
    this.db
      .prepare('INSERT INTO acme_orders (id, account_id, status, expires_at, created_at, certificate_serial, revision, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(o.id, o.accountId, o.status, o.expiresAt.getTime(), o.createdAt.getTime(), o.certificateSerial ?? null, o.revision, encodeOrder(o));
  }

  private insertAuthorizationRow(a: AcmeAuthorizationRecord): void {
    this.db
      .prepare('INSERT INTO acme_authorizations (id, order_id, status, expires_at, revision, data) VALUES (?, ?, ?, ?, ?, ?)')
      .run(a.id, a.orderId, a.status, a.expiresAt.getTime(), a.revision, encodeAuthorization(a));
  }

  async createAcmeOrder(order: AcmeOrderRecord, authorizations: readonly AcmeAuthorizationRecord[]): Promise<void> {
    const create = this.db.transaction(() => {
      this.insertOrderRow(order);
      for (const a of authorizations) this.insertAuthorizationRow(a);
    });
    await retryWhileBusy(() => create.immediate());
  }

  async acmeOrder(id: string): Promise<AcmeOrderRecord | undefined> {
    const row = (await retryWhileBusy(() => this.statement('SELECT data, revision FROM acme_orders WHERE id = ?').get(id))) as { data: string; revision: number } | undefined;
    return row ? decodeOrder(row.data, row.revision) : undefined;
  }

  async acmeOrderIds(accountId: string): Promise<string[]> {
    const rows = (await retryWhileBusy(() => this.statement('SELECT id FROM acme_orders WHERE account_id = ? ORDER BY created_at, id').all(accountId))) as { id: string }[];
    return rows.map((r) => r.id);
  }

  private updateOrderRow(o: AcmeOrderRecord): boolean {
    const next = { ...o, revision: o.revision + 1 };
    return (
      this.db
        .prepare('UPDATE acme_orders SET status = ?, expires_at = ?, certificate_serial = ?, revision = ?, data = ? WHERE id = ? AND revision = ?')
        .run(o.status, o.expiresAt.getTime(), o.certificateSerial ?? null, next.revision, encodeOrder(next), o.id, o.revision).changes === 1
    );
  }

  async updateAcmeOrder(order: AcmeOrderRecord): Promise<boolean> {
    return retryWhileBusy(() => this.updateOrderRow(order));
  }

  async finishAcmeOrder(order: AcmeOrderRecord, certificate: IssuedCertificate): Promise<boolean> {
    const finish = this.db.transaction((): boolean => {
      if (!this.updateOrderRow(order)) return false;
      this.insertCertificateRow(certificate);
      return true;
    });
    return retryWhileBusy(() => finish.immediate());
  }

  async acmeAuthorization(id: string): Promise<AcmeAuthorizationRecord | undefined> {
    const row = (await retryWhileBusy(() => this.statement('SELECT data, revision FROM acme_authorizations WHERE id = ?').get(id))) as { data: string; revision: number } | undefined;
    return row ? decodeAuthorization(row.data, row.revision) : undefined;
  }

  async updateAcmeAuthorization(a: AcmeAuthorizationRecord): Promise<boolean> {
    const next = { ...a, revision: a.revision + 1 };
    const run = (): boolean =>
      this.statement('UPDATE acme_authorizations SET status = ?, expires_at = ?, revision = ?, data = ? WHERE id = ? AND revision = ?').run(a.status, a.expiresAt.getTime(), next.revision, encodeAuthorization(next), a.id, a.revision).changes === 1;
    return retryWhileBusy(run);
  }

  private insertEabRow(k: AcmeEabKeyRecord): void {
    this.statement('INSERT INTO acme_eab_keys (key_id, provisioner, account_id, bound_at, data) VALUES (?, ?, ?, ?, ?)').run(k.keyId, k.provisioner, k.accountId ?? null, k.boundAt?.getTime() ?? null, encodeEabKey(k));
  }

  async addAcmeEabKey(key: AcmeEabKeyRecord): Promise<boolean> {
    try {
      await retryWhileBusy(() => this.insertEabRow(key));
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async acmeEabKey(keyId: string): Promise<AcmeEabKeyRecord | undefined> {
    const row = (await retryWhileBusy(() => this.statement('SELECT data, account_id, bound_at FROM acme_eab_keys WHERE key_id = ?').get(keyId))) as EabRow | undefined;
    return row ? decodeEabKey(row.data, row.account_id, row.bound_at) : undefined;
  }

  async acmeEabKeys(provisioner?: string): Promise<AcmeEabKeyRecord[]> {
    const rows = (await retryWhileBusy(() =>
      provisioner === undefined
        ? this.statement('SELECT data, account_id, bound_at FROM acme_eab_keys ORDER BY key_id').all()
        : this.statement('SELECT data, account_id, bound_at FROM acme_eab_keys WHERE provisioner = ? ORDER BY key_id').all(provisioner),
    )) as EabRow[];
    return rows.map((r) => decodeEabKey(r.data, r.account_id, r.bound_at));
  }

  async removeAcmeEabKey(keyId: string): Promise<boolean> {
    return (await retryWhileBusy(() => this.statement('DELETE FROM acme_eab_keys WHERE key_id = ?').run(keyId))).changes === 1;
  }

  async pruneAcme(now: Date): Promise<number> {
    const prune = this.db.transaction((at: number): number => {
      let n = this.statement('DELETE FROM acme_nonces WHERE expires_at <= ?').run(at).changes;
      n += this.statement("DELETE FROM acme_authorizations WHERE expires_at < ? AND status <> 'valid'").run(at).changes;
      n += this.statement("DELETE FROM acme_orders WHERE expires_at < ? AND status <> 'valid'").run(at).changes;
      return n;
    });
    return retryWhileBusy(() => prune.immediate(now.getTime()));
  }

  async ping(): Promise<void> {
    // A file the process holds open: reachable as long as the store is open.
    if (!this.db.open) throw new Unavailable('store closed');
  }

  async counts(): Promise<StoreCounts> {
    const count = (table: string): number => (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return retryWhileBusy(() => ({
      certificates: count('issued_certificates'),
      revocations: count('revoked_certificates'),
      usedTokens: count('used_tokens'),
      acmeAccounts: count('acme_accounts'),
      acmeOrders: count('acme_orders'),
      acmeAuthorizations: count('acme_authorizations'),
      acmeEabKeys: count('acme_eab_keys'),
    }));
  }

  async exportRows<K extends keyof StoreRows>(kind: K, after: string, limit: number): Promise<StoreRows[K][]> {
    const { sql, map } = EXPORTS[kind];
    const rows = (await retryWhileBusy(() => this.db.prepare(sql).all(after, limit))) as never[];
    return rows.map((row) => map(row)) as StoreRows[K][];
  }

  async importRows(rows: { readonly [K in keyof StoreRows]?: readonly StoreRows[K][] }): Promise<void> {
    const insertRevocation = this.db.prepare('INSERT INTO revoked_certificates (serial, reason_code, reason, revoked_at, not_after, provisioner) VALUES (?, ?, ?, ?, ?, ?)');
    const insertToken = this.db.prepare('INSERT INTO used_tokens (id, expires_at) VALUES (?, ?)');
    const copy = this.db.transaction(() => {
      for (const c of rows.certificates ?? []) this.insertCertificateRow(c);
      for (const r of rows.revocations ?? []) insertRevocation.run(r.serial, r.reasonCode, r.reason, r.revokedAt.getTime(), r.notAfter.getTime(), r.provisioner);
      for (const t of rows.usedTokens ?? []) insertToken.run(t.id, t.expiresAt.getTime());
      for (const a of rows.acmeAccounts ?? []) this.insertAccountRow(a);
      for (const o of rows.acmeOrders ?? []) this.insertOrderRow(o);
      for (const a of rows.acmeAuthorizations ?? []) this.insertAuthorizationRow(a);
      for (const k of rows.acmeEabKeys ?? []) this.insertEabRow(k);
    });
    await retryWhileBusy(() => copy.immediate());
  }

  async importCrlState(state: CrlState): Promise<void> {
    const stamp = this.db.prepare('UPDATE crl_state SET crl_number = ?, this_update = ?, built_from_seq = ?, revocation_seq = ? WHERE id = 1');
    const der = this.db.prepare('UPDATE crl_der SET der = ? WHERE id = 1');
    const update = this.db.transaction(() => {
      stamp.run(state.crlNumber, state.thisUpdate.getTime(), state.builtFromSeq, state.revocationSeq);
      der.run(state.der ?? null);
    });
    await retryWhileBusy(() => update.immediate());
  }

  async close(): Promise<void> {
    await Promise.all([this.issuances.idle(), this.certificateWrites.idle()]);
    // This connection first: the checkpointer's stop closes a descriptor of the file, which would drop its locks.
    this.db.close();
    await this.checkpointer?.stop();
  }
}
