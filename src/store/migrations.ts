/**
 * Numbered schema migrations, applied in order on open. Never edit a released one:
 * add the next number. SQLite's dialect (`WITHOUT ROWID`, `BLOB`): a PostgreSQL
 * backend will need its own list.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE issued_certificates (
        serial TEXT PRIMARY KEY,
        der BLOB NOT NULL,
        common_name TEXT NOT NULL,
        not_before BIGINT NOT NULL,
        not_after BIGINT NOT NULL,
        provisioner TEXT NOT NULL,
        issued_at BIGINT NOT NULL
      );
      CREATE TABLE revoked_certificates (
        serial TEXT PRIMARY KEY,
        reason_code INTEGER NOT NULL,
        reason TEXT NOT NULL,
        revoked_at BIGINT NOT NULL,
        not_after BIGINT NOT NULL,
        provisioner TEXT NOT NULL
      );
      CREATE TABLE used_tokens (
        id TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX used_tokens_expires_at ON used_tokens (expires_at);
      CREATE INDEX revoked_certificates_not_after ON revoked_certificates (not_after);
      CREATE TABLE crl_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        crl_number BIGINT NOT NULL,
        der BLOB,
        this_update BIGINT NOT NULL,
        built_from_seq BIGINT NOT NULL,
        revocation_seq BIGINT NOT NULL
      );
      INSERT INTO crl_state (id, crl_number, der, this_update, built_from_seq, revocation_seq) VALUES (1, 0, NULL, 0, -1, 0);
    `,
  },
  {
    version: 2,
    sql: `
      CREATE TABLE peer_roots (
        url TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        roots TEXT NOT NULL, -- JSON list of base64 DER
        fetched_at BIGINT NOT NULL,
        failures INTEGER NOT NULL,
        error TEXT NOT NULL,
        next_sync_at BIGINT NOT NULL
      );
      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
    `,
  },
];
