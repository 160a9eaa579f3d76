import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';
import type { IssuedCertificate, Store, UsedToken } from './store.js';

interface CertificateRow {
  serial: string;
  der: Buffer;
  common_name: string;
  not_before: number;
  not_after: number;
  provisioner: string;
}

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

/** The default store: one SQLite file (WAL mode), opened and migrated. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly insertCertificate: Database.Statement;
  private readonly selectCertificate: Database.Statement;
  private readonly insertToken: Database.Statement;
  private readonly deleteTokens: Database.Statement;
  private readonly issuance: (token: UsedToken, certificate: IssuedCertificate) => boolean;

  /** Opens (creating when needed) the database at `file`; ':memory:' for tests. */
  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.insertCertificate = this.db.prepare(
      'INSERT INTO issued_certificates (serial, der, common_name, not_before, not_after, provisioner, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectCertificate = this.db.prepare('SELECT * FROM issued_certificates WHERE serial = ?');
    this.insertToken = this.db.prepare('INSERT INTO used_tokens (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING');
    this.deleteTokens = this.db.prepare('DELETE FROM used_tokens WHERE expires_at < ?');
    this.issuance = this.db.transaction((token: UsedToken, c: IssuedCertificate): boolean => {
      if (this.insertToken.run(token.id, token.expiresAt.getTime()).changes !== 1) return false;
      this.insertCertificateRow(c);
      return true;
    });
  }

  private insertCertificateRow(c: IssuedCertificate): void {
    this.insertCertificate.run(c.serial, c.der, c.commonName, c.notBefore.getTime(), c.notAfter.getTime(), c.provisioner, Date.now());
  }

  async storeCertificate(c: IssuedCertificate): Promise<void> {
    this.insertCertificateRow(c);
  }

  async recordIssuance(token: UsedToken, certificate: IssuedCertificate): Promise<boolean> {
    return this.issuance(token, certificate);
  }

  async certificate(serial: string): Promise<IssuedCertificate | undefined> {
    const row = this.selectCertificate.get(serial) as CertificateRow | undefined;
    if (!row) return undefined;
    return {
      serial: row.serial,
      der: row.der,
      commonName: row.common_name,
      notBefore: new Date(row.not_before),
      notAfter: new Date(row.not_after),
      provisioner: row.provisioner,
    };
  }

  async useToken(id: string, expiresAt: Date): Promise<boolean> {
    return this.insertToken.run(id, expiresAt.getTime()).changes === 1;
  }

  async pruneUsedTokens(now: Date): Promise<number> {
    return this.deleteTokens.run(now.getTime()).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
