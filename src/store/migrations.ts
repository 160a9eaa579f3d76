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
  {
    // Lineage: the serial each renewal or rekey replaced, indexed to find a certificate's successors.
    version: 3,
    sql: `
      ALTER TABLE issued_certificates ADD COLUMN replaces TEXT;
      CREATE INDEX issued_certificates_replaces ON issued_certificates (replaces);
    `,
  },
  {
    version: 4,
    // The IdP groups an OIDC certificate was issued under (JSON list), for auditors.
    sql: 'ALTER TABLE issued_certificates ADD COLUMN groups TEXT;',
  },
  {
    version: 5,
    // ACME (issue 17): each record whole as JSON in `data`, beside the columns lookups and constraints need.
    sql: `
      CREATE TABLE acme_nonces (
        nonce TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX acme_nonces_expires_at ON acme_nonces (expires_at);
      CREATE TABLE acme_accounts (
        id TEXT PRIMARY KEY,
        provisioner TEXT NOT NULL,
        thumbprint TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (provisioner, thumbprint)
      );
      CREATE TABLE acme_orders (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        status TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        certificate_serial TEXT,
        revision INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX acme_orders_account ON acme_orders (account_id, created_at);
      CREATE INDEX acme_orders_certificate ON acme_orders (certificate_serial);
      CREATE TABLE acme_authorizations (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        status TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        revision INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE TABLE acme_eab_keys (
        key_id TEXT PRIMARY KEY,
        provisioner TEXT NOT NULL,
        account_id TEXT,
        bound_at BIGINT,
        data TEXT NOT NULL
      );
    `,
  },
  {
    version: 6,
    // The CRL's DER in a row of its own. Beside the stamp, a CRL of 100,000 entries (3.8 MiB of
    // overflow pages) was walked by every stamp read (to reach the columns after it: 10 -> 42 µs
    // a read, one per OCSP answer and CRL request) and rewritten whole by every revocation's
    // revocation_seq update (144 -> 1,733 µs a revocation).
    sql: `
      CREATE TABLE crl_der (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        der BLOB
      );
      INSERT INTO crl_der (id, der) SELECT id, der FROM crl_state;
      ALTER TABLE crl_state DROP COLUMN der;
    `,
  },
];
