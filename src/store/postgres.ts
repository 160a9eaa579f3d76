import pg from 'pg';
import { Unavailable } from '../errors.js';
import { POSTGRES_MIGRATIONS } from './postgresMigrations.js';
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
import { isUnreachable } from './unreachable.js';

/** Where the PostgreSQL store connects. */
export interface PostgresConnection {
  /** `postgresql://user[:password]@host[:port]/database[?...]`. */
  readonly url: string;
  /** Overrides the URL's database (step-ca's `db.database`). */
  readonly database?: string;
  /** Used when the URL has no password (else node-postgres falls back to PGPASSWORD, then PGPASSFILE / ~/.pgpass). */
  readonly password?: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
}

/** Key of the advisory lock that replicas starting together take to migrate once. */
const MIGRATION_LOCK = 0x66656463; // "fedc"
/** A connection attempt gives up after this long, so a request waits at most about this for a 503. */
const CONNECT_TIMEOUT_MS = 3_000;
/** A statement running longer than this (a database gone silent) fails rather than hold the request. */
const STATEMENT_TIMEOUT_MS = 10_000;

interface CertificateRow {
  serial: string;
  der: Buffer;
  common_name: string;
  not_before: string;
  not_after: string;
  provisioner: string;
  issued_at: string;
  replaces: string | null;
  groups: string[] | null;
}

interface PeerRootsRow {
  url: string;
  fingerprint: string;
  roots: Buffer[];
  fetched_at: string;
  failures: number;
  error: string;
  next_sync_at: string;
}

interface RevocationRow {
  serial: string;
  reason_code: number;
  reason: string;
  revoked_at: string;
  not_after: string;
  provisioner: string;
}

interface CrlRow {
  crl_number: string;
  der: Buffer | null;
  this_update: string;
  built_from_seq: string;
  revocation_seq: string;
}

const toRevocation = (r: RevocationRow): Revocation => ({
  serial: r.serial,
  reasonCode: r.reason_code,
  reason: r.reason,
  revokedAt: new Date(Number(r.revoked_at)),
  notAfter: new Date(Number(r.not_after)),
  provisioner: r.provisioner,
});

const toCertificate = (row: CertificateRow): IssuedCertificate => ({
  serial: row.serial,
  der: row.der,
  commonName: row.common_name,
  notBefore: new Date(Number(row.not_before)),
  notAfter: new Date(Number(row.not_after)),
  provisioner: row.provisioner,
  ...(row.replaces === null ? {} : { replaces: row.replaces }),
  ...(row.groups === null ? {} : { groups: row.groups }),
});

const toPeerRoots = (r: PeerRootsRow): PeerRootsRecord => ({
  url: r.url,
  fingerprint: r.fingerprint,
  roots: r.roots,
  fetchedAt: new Date(Number(r.fetched_at)),
  failures: r.failures,
  error: r.error,
  nextSyncAt: new Date(Number(r.next_sync_at)),
});

/** The columns of issued_certificates in the order certificateValues gives them ($1..$9). */
const CERTIFICATE_COLUMNS = 'serial, der, common_name, not_before, not_after, provisioner, issued_at, replaces, groups';
const CERTIFICATE_INSERT = `INSERT INTO issued_certificates (${CERTIFICATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
const CERTIFICATE_SELECT = `SELECT ${CERTIFICATE_COLUMNS} FROM issued_certificates`;

interface EabRow {
  data: string;
  account_id: string | null;
  bound_at: string | null;
}

const EAB_SELECT = 'SELECT data, account_id, bound_at FROM acme_eab_keys';
const toEabKey = (row: EabRow): AcmeEabKeyRecord => decodeEabKey(row.data, row.account_id, row.bound_at);

/** What exportRows reads for each kind, in key order (byte order: the same on every locale). */
const EXPORTS: { readonly [K in keyof StoreRows]: { readonly sql: string; readonly map: (row: never) => StoreRows[K] } } = {
  certificates: { sql: `${CERTIFICATE_SELECT} WHERE serial COLLATE "C" > $1 ORDER BY serial COLLATE "C" LIMIT $2`, map: (row: CertificateRow) => ({ ...toCertificate(row), issuedAt: new Date(Number(row.issued_at)) }) },
  revocations: { sql: 'SELECT * FROM revoked_certificates WHERE serial COLLATE "C" > $1 ORDER BY serial COLLATE "C" LIMIT $2', map: toRevocation },
  usedTokens: { sql: 'SELECT * FROM used_tokens WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2', map: (row: { id: string; expires_at: string }) => ({ id: row.id, expiresAt: new Date(Number(row.expires_at)) }) },
  acmeAccounts: { sql: 'SELECT data FROM acme_accounts WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2', map: (row: { data: string }) => decodeAccount(row.data) },
  acmeOrders: { sql: 'SELECT data, revision FROM acme_orders WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2', map: (row: { data: string; revision: number }) => decodeOrder(row.data, row.revision) },
  acmeAuthorizations: { sql: 'SELECT data, revision FROM acme_authorizations WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2', map: (row: { data: string; revision: number }) => decodeAuthorization(row.data, row.revision) },
  acmeEabKeys: { sql: `${EAB_SELECT} WHERE key_id COLLATE "C" > $1 ORDER BY key_id COLLATE "C" LIMIT $2`, map: toEabKey },
};

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

const ORDER_INSERT = 'INSERT INTO acme_orders (id, account_id, status, expires_at, created_at, certificate_serial, revision, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';
const orderValues = (o: AcmeOrderRecord): unknown[] => [o.id, o.accountId, o.status, o.expiresAt.getTime(), o.createdAt.getTime(), o.certificateSerial ?? null, o.revision, encodeOrder(o)];
const ORDER_UPDATE = 'UPDATE acme_orders SET status = $1, expires_at = $2, certificate_serial = $3, revision = $4, data = $5 WHERE id = $6 AND revision = $7';
const orderUpdateValues = (o: AcmeOrderRecord): unknown[] => [o.status, o.expiresAt.getTime(), o.certificateSerial ?? null, o.revision + 1, encodeOrder({ ...o, revision: o.revision + 1 }), o.id, o.revision];
const AUTHORIZATION_INSERT = 'INSERT INTO acme_authorizations (id, order_id, status, expires_at, revision, data) VALUES ($1, $2, $3, $4, $5, $6)';
const authorizationValues = (a: AcmeAuthorizationRecord): unknown[] => [a.id, a.orderId, a.status, a.expiresAt.getTime(), a.revision, encodeAuthorization(a)];
const ACCOUNT_INSERT = 'INSERT INTO acme_accounts (id, provisioner, thumbprint, data) VALUES ($1, $2, $3, $4)';
const accountValues = (a: AcmeAccountRecord): unknown[] => [a.id, a.provisioner, a.thumbprint, encodeAccount(a)];
const EAB_INSERT = 'INSERT INTO acme_eab_keys (key_id, provisioner, account_id, bound_at, data) VALUES ($1, $2, $3, $4, $5)';
const eabValues = (k: AcmeEabKeyRecord): unknown[] => [k.keyId, k.provisioner, k.accountId ?? null, k.boundAt?.getTime() ?? null, encodeEabKey(k)];

const certificateValues = (c: IssuedCertificate): unknown[] => [c.serial, c.der, c.commonName, c.notBefore.getTime(), c.notAfter.getTime(), c.provisioner, c.issuedAt?.getTime() ?? Date.now(), c.replaces ?? null, c.groups ?? null];

/** Thrown inside the revocation transaction to roll it back with this outcome. */
class Refused extends Error {
  constructor(readonly outcome: RevokeOutcome | AcmeAccountOutcome) {
    super(outcome);
  }
}

/**
 * The store of N replicas: PostgreSQL through a `pg` pool. It connects lazily and
 * reconnects by itself: every call first makes sure the schema is migrated (once per
 * process, retried after a failure), and an unreachable database rejects with
 * `Unavailable` (503) instead of a driver error. Uniqueness of token ids and serials
 * are primary keys, so they hold across every replica.
 */
export class PostgresStore implements Store {
  private readonly pool: pg.Pool;
  private migrated?: Promise<void>;
  private closed = false;
  private readonly statementNames = new Map<string, string>();

  constructor(connection: PostgresConnection) {
    this.pool = new pg.Pool({
      connectionString: connection.url,
      ...(connection.database === undefined ? {} : { database: connection.database }),
      ...(connection.password === undefined ? {} : { password: connection.password }),
      max: connection.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      application_name: 'fedca',
    });
    // An idle connection cut by a database restart: the pool drops it and later calls make new ones.
    this.pool.on('error', () => undefined);
  }

  /** Applies the migrations the database lacks, holding the advisory lock so that concurrent replicas migrate once. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
        const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
        for (const m of POSTGRES_MIGRATIONS) {
          if (applied.has(m.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(m.sql);
            await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [m.version, Date.now()]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      // A connection that failed mid-migration may still hold the lock: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  /** Resolves once the schema is current; a failed attempt is forgotten so that the next call tries again. */
  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Unavailable('store closed'));
    this.migrated ??= this.migrate().catch((err: unknown) => {
      this.migrated = undefined;
      throw err;
    });
    return this.migrated;
  }

  /** Runs `work` once the schema is current, turning "database unreachable" into `Unavailable`. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await work();
    } catch (err) {
      if (err instanceof Unavailable || err instanceof Refused) throw err;
      if (isUnreachable(err)) throw new Unavailable();
      throw err;
    }
  }

  /** Runs one statement as a named prepared statement: parsed and planned once per connection, not per call. */
  private query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    let name = this.statementNames.get(text);
    if (name === undefined) {
      name = `fedca_${this.statementNames.size}`;
      this.statementNames.set(text, name);
    }
    return this.pool.query<R>({ name, text, values });
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (isUnreachable(err)) broken = err as Error;
      else await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  storeCertificate(c: IssuedCertificate): Promise<void> {
    return this.run(async () => {
      await this.query(CERTIFICATE_INSERT, certificateValues(c));
    });
  }

  recordIssuance(token: UsedToken, c: IssuedCertificate): Promise<boolean> {
    // One statement, so one round trip and atomic: the certificate row exists only if the token row was new.
    return this.run(async () => {
      const result = await this.query(
        `WITH burned AS (INSERT INTO used_tokens (id, expires_at) VALUES ($10, $11) ON CONFLICT (id) DO NOTHING RETURNING id)
         INSERT INTO issued_certificates (${CERTIFICATE_COLUMNS})
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::TEXT[] FROM burned`,
        [...certificateValues(c), token.id, token.expiresAt.getTime()],
      );
      return result.rowCount === 1;
    });
  }

  certificate(serial: string): Promise<IssuedCertificate | undefined> {
    return this.run(async () => {
      const row = (await this.query<CertificateRow>(`${CERTIFICATE_SELECT} WHERE serial = $1`, [serial])).rows[0];
      return row ? toCertificate(row) : undefined;
    });
  }

  successors(serial: string): Promise<IssuedCertificate[]> {
    return this.run(async () => (await this.query<CertificateRow>(`${CERTIFICATE_SELECT} WHERE replaces = $1 ORDER BY issued_at, serial`, [serial])).rows.map(toCertificate));
  }

  async revokeAll(revocations: readonly Revocation[], token?: UsedToken): Promise<readonly string[] | 'token-used'> {
    try {
      return await this.run(() =>
        this.transaction(async (client) => {
          if (token && (await client.query('INSERT INTO used_tokens (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [token.id, token.expiresAt.getTime()])).rowCount !== 1) {
            throw new Refused('token-used');
          }
          const revoked: string[] = [];
          for (const r of revocations) {
            const inserted = await client.query(
              'INSERT INTO revoked_certificates (serial, reason_code, reason, revoked_at, not_after, provisioner) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (serial) DO NOTHING',
              [r.serial, r.reasonCode, r.reason, r.revokedAt.getTime(), r.notAfter.getTime(), r.provisioner],
            );
            if (inserted.rowCount === 1) revoked.push(r.serial);
          }
          if (revoked.length) await client.query('UPDATE crl_state SET revocation_seq = revocation_seq + 1 WHERE id = 1');
          return revoked;
        }),
      );
    } catch (err) {
      if (err instanceof Refused && err.outcome === 'token-used') return 'token-used';
      throw err;
    }
  }

  async revoke(r: Revocation, token?: UsedToken): Promise<RevokeOutcome> {
    try {
      return await this.run(() =>
        this.transaction(async (client) => {
          if (token && (await client.query('INSERT INTO used_tokens (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [token.id, token.expiresAt.getTime()])).rowCount !== 1) {
            throw new Refused('token-used');
          }
          const inserted = await client.query(
            'INSERT INTO revoked_certificates (serial, reason_code, reason, revoked_at, not_after, provisioner) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (serial) DO NOTHING',
            [r.serial, r.reasonCode, r.reason, r.revokedAt.getTime(), r.notAfter.getTime(), r.provisioner],
          );
          // Roll back the token burn: a refused revocation writes nothing.
          if (inserted.rowCount !== 1) throw new Refused('already-revoked');
          await client.query('UPDATE crl_state SET revocation_seq = revocation_seq + 1 WHERE id = 1');
          return 'revoked' as const;
        }),
      );
    } catch (err) {
      if (err instanceof Refused && err.outcome !== 'created' && err.outcome !== 'key-exists' && err.outcome !== 'eab-unusable') return err.outcome;
      throw err;
    }
  }

  revocation(serial: string): Promise<Revocation | undefined> {
    return this.run(async () => {
      const row = (await this.query<RevocationRow>('SELECT * FROM revoked_certificates WHERE serial = $1', [serial])).rows[0];
      return row ? toRevocation(row) : undefined;
    });
  }

  crlEntries(now: Date): Promise<RevokedEntry[]> {
    return this.run(async () =>
      (await this.query<Pick<RevocationRow, 'serial' | 'revoked_at' | 'reason_code'>>('SELECT serial, revoked_at, reason_code FROM revoked_certificates WHERE not_after > $1 ORDER BY revoked_at, serial', [now.getTime()])).rows.map((r) => ({
        serial: r.serial,
        revokedAt: new Date(Number(r.revoked_at)),
        reasonCode: r.reason_code,
      })),
    );
  }

  crlEntryCount(now: Date): Promise<number> {
    return this.run(async () => (await this.query<{ n: number }>('SELECT COUNT(*)::INTEGER AS n FROM revoked_certificates WHERE not_after > $1', [now.getTime()])).rows[0].n);
  }

  crlState(): Promise<CrlState> {
    return this.run(async () => {
      const row = (await this.query<CrlRow>('SELECT crl_number, der, this_update, built_from_seq, revocation_seq FROM crl_state WHERE id = 1')).rows[0];
      return {
        crlNumber: BigInt(row.crl_number),
        der: row.der ?? undefined,
        thisUpdate: new Date(Number(row.this_update)),
        builtFromSeq: BigInt(row.built_from_seq),
        revocationSeq: BigInt(row.revocation_seq),
      };
    });
  }

  crlStamp(): Promise<CrlStamp> {
    return this.run(async () => {
      const row = (await this.query<Omit<CrlRow, 'der'>>('SELECT crl_number, this_update, built_from_seq, revocation_seq FROM crl_state WHERE id = 1')).rows[0];
      return { crlNumber: BigInt(row.crl_number), thisUpdate: new Date(Number(row.this_update)), builtFromSeq: BigInt(row.built_from_seq), revocationSeq: BigInt(row.revocation_seq) };
    });
  }

  saveCrl(crlNumber: bigint, der: Buffer, thisUpdate: Date, builtFromSeq: bigint): Promise<boolean> {
    return this.run(async () => {
      const result = await this.query('UPDATE crl_state SET crl_number = $1, der = $2, this_update = $3, built_from_seq = $4 WHERE id = 1 AND crl_number = $5', [
        crlNumber.toString(),
        der,
        thisUpdate.getTime(),
        builtFromSeq.toString(),
        (crlNumber - 1n).toString(),
      ]);
      return result.rowCount === 1;
    });
  }

  peerRoots(): Promise<PeerRootsRecord[]> {
    return this.run(async () => (await this.query<PeerRootsRow>('SELECT * FROM peer_roots')).rows.map(toPeerRoots));
  }

  savePeerRoots(r: PeerRootsRecord): Promise<void> {
    return this.run(async () => {
      await this.query(
        `INSERT INTO peer_roots (url, fingerprint, roots, fetched_at, failures, error, next_sync_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (url) DO UPDATE SET fingerprint = excluded.fingerprint, roots = excluded.roots, fetched_at = excluded.fetched_at,
           failures = excluded.failures, error = excluded.error, next_sync_at = excluded.next_sync_at`,
        [r.url, r.fingerprint, r.roots, r.fetchedAt.getTime(), r.failures, r.error, r.nextSyncAt.getTime()],
      );
    });
  }

  forgetPeerRoots(keepUrls: readonly string[]): Promise<void> {
    return this.run(async () => {
      await this.query('DELETE FROM peer_roots WHERE NOT (url = ANY($1::TEXT[]))', [keepUrls]);
    });
  }

  claimLease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    // Taken when free or expired, or already ours; one statement, so atomic across replicas.
    return this.run(async () => {
      const result = await this.query(
        `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder`,
        [name, holder, until.getTime(), now.getTime()],
      );
      return result.rowCount === 1;
    });
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.run(async () => {
      await this.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
    });
  }

  recordUsedTokens(tokens: readonly UsedToken[]): Promise<void> {
    return this.run(() =>
      this.transaction(async (client) => {
        for (const t of tokens) await client.query('INSERT INTO used_tokens (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [t.id, t.expiresAt.getTime()]);
      }),
    );
  }

  pruneUsedTokens(now: Date): Promise<number> {
    return this.run(async () => (await this.query('DELETE FROM used_tokens WHERE expires_at < $1', [now.getTime()])).rowCount ?? 0);
  }

  addAcmeNonce(nonce: string, expiresAt: Date): Promise<void> {
    return this.run(async () => {
      await this.query('INSERT INTO acme_nonces (nonce, expires_at) VALUES ($1, $2)', [nonce, expiresAt.getTime()]);
    });
  }

  useAcmeNonce(nonce: string, now: Date): Promise<boolean> {
    return this.run(async () => (await this.query('DELETE FROM acme_nonces WHERE nonce = $1 AND expires_at > $2', [nonce, now.getTime()])).rowCount === 1);
  }

  async createAcmeAccount(account: AcmeAccountRecord): Promise<AcmeAccountOutcome> {
    try {
      return await this.run(() =>
        this.transaction(async (client) => {
          if (account.eabKeyId !== undefined) {
            const bound = await client.query('UPDATE acme_eab_keys SET account_id = $1, bound_at = $2 WHERE key_id = $3 AND provisioner = $4 AND account_id IS NULL', [
              account.id,
              account.createdAt.getTime(),
              account.eabKeyId,
              account.provisioner,
            ]);
            if (bound.rowCount !== 1) throw new Refused('eab-unusable');
          }
          try {
            await client.query(ACCOUNT_INSERT, accountValues(account));
          } catch (err) {
            if (isUniqueViolation(err)) throw new Refused('key-exists');
            throw err;
          }
          return 'created' as const;
        }),
      );
    } catch (err) {
      if (err instanceof Refused && (err.outcome === 'key-exists' || err.outcome === 'eab-unusable')) return err.outcome;
      throw err;
    }
  }

  acmeAccount(id: string): Promise<AcmeAccountRecord | undefined> {
    return this.run(async () => {
      const row = (await this.query<{ data: string }>('SELECT data FROM acme_accounts WHERE id = $1', [id])).rows[0];
      return row ? decodeAccount(row.data) : undefined;
    });
  }

  acmeAccountByKey(provisioner: string, thumbprint: string): Promise<AcmeAccountRecord | undefined> {
    return this.run(async () => {
      const row = (await this.query<{ data: string }>('SELECT data FROM acme_accounts WHERE provisioner = $1 AND thumbprint = $2', [provisioner, thumbprint])).rows[0];
      return row ? decodeAccount(row.data) : undefined;
    });
  }

  async updateAcmeAccount(a: AcmeAccountRecord): Promise<boolean> {
    try {
      await this.run(() => this.query('UPDATE acme_accounts SET thumbprint = $1, data = $2 WHERE id = $3', [a.thumbprint, encodeAccount(a), a.id]));
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  createAcmeOrder(order: AcmeOrderRecord, authorizations: readonly AcmeAuthorizationRecord[]): Promise<void> {
    return this.run(() =>
      this.transaction(async (client) => {
        await client.query(ORDER_INSERT, orderValues(order));
        for (const a of authorizations) await client.query(AUTHORIZATION_INSERT, authorizationValues(a));
      }),
    );
  }

  acmeOrder(id: string): Promise<AcmeOrderRecord | undefined> {
    return this.run(async () => {
      const row = (await this.query<{ data: string; revision: number }>('SELECT data, revision FROM acme_orders WHERE id = $1', [id])).rows[0];
      return row ? decodeOrder(row.data, row.revision) : undefined;
    });
  }

  acmeOrderIds(accountId: string): Promise<string[]> {
    return this.run(async () => (await this.query<{ id: string }>('SELECT id FROM acme_orders WHERE account_id = $1 ORDER BY created_at, id', [accountId])).rows.map((r) => r.id));
  }

  updateAcmeOrder(order: AcmeOrderRecord): Promise<boolean> {
    return this.run(async () => (await this.query(ORDER_UPDATE, orderUpdateValues(order))).rowCount === 1);
  }

  async finishAcmeOrder(order: AcmeOrderRecord, certificate: IssuedCertificate): Promise<boolean> {
    try {
      return await this.run(() =>
        this.transaction(async (client) => {
          if ((await client.query(ORDER_UPDATE, orderUpdateValues(order))).rowCount !== 1) throw new Refused('token-used');
          await client.query(CERTIFICATE_INSERT, certificateValues(certificate));
          return true;
        }),
      );
    } catch (err) {
      if (err instanceof Refused) return false;
      throw err;
    }
  }

  acmeAuthorization(id: string): Promise<AcmeAuthorizationRecord | undefined> {
    return this.run(async () => {
      const row = (await this.query<{ data: string; revision: number }>('SELECT data, revision FROM acme_authorizations WHERE id = $1', [id])).rows[0];
      return row ? decodeAuthorization(row.data, row.revision) : undefined;
    });
  }

  updateAcmeAuthorization(a: AcmeAuthorizationRecord): Promise<boolean> {
    const next = { ...a, revision: a.revision + 1 };
    return this.run(
      async () =>
        (await this.query('UPDATE acme_authorizations SET status = $1, expires_at = $2, revision = $3, data = $4 WHERE id = $5 AND revision = $6', [a.status, a.expiresAt.getTime(), next.revision, encodeAuthorization(next), a.id, a.revision]))
          .rowCount === 1,
    );
  }

  async addAcmeEabKey(key: AcmeEabKeyRecord): Promise<boolean> {
    try {
      await this.run(() => this.query(EAB_INSERT, eabValues(key)));
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  acmeEabKey(keyId: string): Promise<AcmeEabKeyRecord | undefined> {
    return this.run(async () => {
      const row = (await this.query<EabRow>(`${EAB_SELECT} WHERE key_id = $1`, [keyId])).rows[0];
      return row ? toEabKey(row) : undefined;
    });
  }

  acmeEabKeys(provisioner?: string): Promise<AcmeEabKeyRecord[]> {
    return this.run(async () => {
      const rows =
        provisioner === undefined
          ? (await this.query<EabRow>(`${EAB_SELECT} ORDER BY key_id COLLATE "C"`)).rows
          : (await this.query<EabRow>(`${EAB_SELECT} WHERE provisioner = $1 ORDER BY key_id COLLATE "C"`, [provisioner])).rows;
      return rows.map(toEabKey);
    });
  }

  removeAcmeEabKey(keyId: string): Promise<boolean> {
    return this.run(async () => (await this.query('DELETE FROM acme_eab_keys WHERE key_id = $1', [keyId])).rowCount === 1);
  }

  pruneAcme(now: Date): Promise<number> {
    return this.run(() =>
      this.transaction(async (client) => {
        const at = now.getTime();
        let n = (await client.query('DELETE FROM acme_nonces WHERE expires_at <= $1', [at])).rowCount ?? 0;
        n += (await client.query("DELETE FROM acme_authorizations WHERE expires_at < $1 AND status <> 'valid'", [at])).rowCount ?? 0;
        n += (await client.query("DELETE FROM acme_orders WHERE expires_at < $1 AND status <> 'valid'", [at])).rowCount ?? 0;
        return n;
      }),
    );
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.query('SELECT 1');
    });
  }

  counts(): Promise<StoreCounts> {
    return this.run(async () => {
      const row = (
        await this.query<Record<'certificates' | 'revocations' | 'used_tokens' | 'acme_accounts' | 'acme_orders' | 'acme_authorizations' | 'acme_eab_keys', string>>(
          `SELECT (SELECT count(*) FROM issued_certificates) AS certificates, (SELECT count(*) FROM revoked_certificates) AS revocations, (SELECT count(*) FROM used_tokens) AS used_tokens,
             (SELECT count(*) FROM acme_accounts) AS acme_accounts, (SELECT count(*) FROM acme_orders) AS acme_orders,
             (SELECT count(*) FROM acme_authorizations) AS acme_authorizations, (SELECT count(*) FROM acme_eab_keys) AS acme_eab_keys`,
        )
      ).rows[0];
      return {
        certificates: Number(row.certificates),
        revocations: Number(row.revocations),
        usedTokens: Number(row.used_tokens),
        acmeAccounts: Number(row.acme_accounts),
        acmeOrders: Number(row.acme_orders),
        acmeAuthorizations: Number(row.acme_authorizations),
        acmeEabKeys: Number(row.acme_eab_keys),
      };
    });
  }

  exportRows<K extends keyof StoreRows>(kind: K, after: string, limit: number): Promise<StoreRows[K][]> {
    const { sql, map } = EXPORTS[kind];
    return this.run(async () => (await this.query(sql, [after, limit])).rows.map((row) => map(row as never)) as StoreRows[K][]);
  }

  importRows(rows: { readonly [K in keyof StoreRows]?: readonly StoreRows[K][] }): Promise<void> {
    return this.run(() =>
      this.transaction(async (client) => {
        for (const c of rows.certificates ?? []) {
          await client.query(CERTIFICATE_INSERT, certificateValues(c));
        }
        for (const r of rows.revocations ?? []) {
          await client.query('INSERT INTO revoked_certificates (serial, reason_code, reason, revoked_at, not_after, provisioner) VALUES ($1, $2, $3, $4, $5, $6)', [
            r.serial,
            r.reasonCode,
            r.reason,
            r.revokedAt.getTime(),
            r.notAfter.getTime(),
            r.provisioner,
          ]);
        }
        for (const t of rows.usedTokens ?? []) await client.query('INSERT INTO used_tokens (id, expires_at) VALUES ($1, $2)', [t.id, t.expiresAt.getTime()]);
        for (const a of rows.acmeAccounts ?? []) await client.query(ACCOUNT_INSERT, accountValues(a));
        for (const o of rows.acmeOrders ?? []) await client.query(ORDER_INSERT, orderValues(o));
        for (const a of rows.acmeAuthorizations ?? []) await client.query(AUTHORIZATION_INSERT, authorizationValues(a));
        for (const k of rows.acmeEabKeys ?? []) await client.query(EAB_INSERT, eabValues(k));
      }),
    );
  }

  importCrlState(state: CrlState): Promise<void> {
    return this.run(async () => {
      await this.query('UPDATE crl_state SET crl_number = $1, der = $2, this_update = $3, built_from_seq = $4, revocation_seq = $5 WHERE id = 1', [
        state.crlNumber.toString(),
        state.der ?? null,
        state.thisUpdate.getTime(),
        state.builtFromSeq.toString(),
        state.revocationSeq.toString(),
      ]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
