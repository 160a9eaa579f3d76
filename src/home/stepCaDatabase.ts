import type { ConnectionOptions } from 'mysql2/promise';
import { StepCaDbError } from './errors.js';

/**
 * step-ca's SQL databases as its nosql layer writes them: one table per bucket
 * (`x509_certs`, `revoked_x509_certs`, ...), each with an `nkey` and an `nvalue`
 * column of bytes. Read only, to adopt a step-ca; fedca never writes there.
 */

/** ca.json's `db` of a step-ca (its own key names). */
export interface StepCaDbConfig {
  readonly type: string;
  readonly dataSource: string;
  readonly database?: string;
}

/** One key/value of a bucket. */
export interface NosqlRow {
  readonly key: string;
  readonly value: Buffer;
}

/** The buckets adoption reads; a bucket step-ca never created reads as empty. */
export const STEP_CA_BUCKETS = ['x509_certs', 'x509_certs_data', 'revoked_x509_certs', 'used_ott'] as const;
export type StepCaBucket = (typeof STEP_CA_BUCKETS)[number];
export type StepCaTables = Readonly<Record<StepCaBucket, readonly NosqlRow[]>>;

/** The SQL types step-ca 0.19+ stores in; badger and bbolt are files Node cannot read. */
export const SQL_TYPES = ['mysql', 'postgresql'] as const;

/** What mysql2 needs, from a Go MySQL DSN: `[user[:password]@][tcp(host:port)|unix(path)]/[dbname][?params]`. */
export function parseMysqlDsn(dsn: string, database?: string): ConnectionOptions {
  const m = /^(?:([^:@]*)(?::(.*))?@)?(?:(tcp|unix)?\(([^)]*)\))?\/([^?]*)(?:\?.*)?$/.exec(dsn);
  if (!m) throw new StepCaDbError(`db.dataSource: not a MySQL DSN such as "user:password@tcp(127.0.0.1:3306)/": ${JSON.stringify(dsn.replace(/:[^@]*@/, ':***@'))}`);
  const [, user, password, net, address, dbname] = m;
  const name = database || dbname;
  if (!name) throw new StepCaDbError('db: names no database (set "database" or end dataSource with one)');
  const options: ConnectionOptions = { user: user || 'root', password: password ?? '', database: name };
  if (net === 'unix') return { ...options, socketPath: address };
  const [host, port] = (address || '127.0.0.1:3306').split(/:(?=\d+$)/);
  return { ...options, host: host.replace(/^\[|\]$/g, ''), port: port ? Number(port) : 3306 };
}

const asBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(String(v ?? ''), 'utf8'));

/** A connected SQL database, as adoption asks it: does a bucket's table exist, and its rows. */
interface BucketReader {
  hasTable(bucket: StepCaBucket): Promise<boolean>;
  rows(bucket: StepCaBucket): Promise<readonly { nkey: unknown; nvalue: unknown }[]>;
}

/** Reads every bucket (an absent table reads as empty); true as well when a certificate table exists. */
async function readBuckets(db: BucketReader): Promise<[StepCaTables, boolean]> {
  const out: Partial<Record<StepCaBucket, NosqlRow[]>> = {};
  let present = false;
  for (const bucket of STEP_CA_BUCKETS) {
    if (!(await db.hasTable(bucket))) {
      out[bucket] = [];
      continue;
    }
    present ||= bucket === 'x509_certs' || bucket === 'revoked_x509_certs';
    out[bucket] = (await db.rows(bucket)).map((r) => ({ key: asBuffer(r.nkey).toString('utf8'), value: asBuffer(r.nvalue) }));
  }
  return [out as StepCaTables, present];
}

async function readMysql(db: StepCaDbConfig): Promise<[StepCaTables, boolean]> {
  // The drivers load only when a step-ca is adopted, not with every fedca command.
  const { default: mysql } = await import('mysql2/promise');
  const connection = await mysql.createConnection(parseMysqlDsn(db.dataSource, db.database));
  try {
    const [tables] = await connection.query('SHOW TABLES');
    const names = new Set((tables as Record<string, unknown>[]).map((r) => String(Object.values(r)[0])));
    return await readBuckets({
      hasTable: async (bucket) => names.has(bucket),
      rows: async (bucket) => (await connection.query(`SELECT nkey, nvalue FROM \`${bucket}\``))[0] as { nkey: unknown; nvalue: unknown }[],
    });
  } finally {
    await connection.end();
  }
}

/** A PostgreSQL URL with `database` (ca.json's, which wins over the URL's as in step-ca) as its path. */
export function postgresqlUrl(dataSource: string, database?: string): string {
  let url: URL;
  try {
    url = new URL(dataSource);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new StepCaDbError('db.dataSource: fedca reads PostgreSQL URLs such as "postgresql://user:password@127.0.0.1:5432/"');
  if (database) url.pathname = `/${encodeURIComponent(database)}`;
  if (url.pathname === '/' || url.pathname === '') throw new StepCaDbError('db: names no database (set "database" or end dataSource with one)');
  return url.href;
}

async function readPostgresql(db: StepCaDbConfig): Promise<[StepCaTables, boolean]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: postgresqlUrl(db.dataSource, db.database) });
  await client.connect();
  try {
    return await readBuckets({
      hasTable: async (bucket) => ((await client.query('SELECT to_regclass($1) AS t', [`"${bucket}"`])).rows[0] as { t: unknown }).t !== null,
      rows: async (bucket) => (await client.query(`SELECT nkey, nvalue FROM "${bucket}"`)).rows as { nkey: unknown; nvalue: unknown }[],
    });
  } finally {
    await client.end();
  }
}

/**
 * Reads the buckets adoption needs from step-ca's MySQL/MariaDB or PostgreSQL
 * database; a database without step-ca's certificate tables is refused (a wrong
 * name must not pass for a CA that revoked nothing).
 */
export async function readStepCaTables(db: StepCaDbConfig): Promise<StepCaTables> {
  const type = db.type.toLowerCase();
  const checked = (tables: StepCaTables, present: boolean): StepCaTables => {
    if (!present) throw new StepCaDbError(`step-ca's ${type} database ${db.database ?? ''} has no x509_certs or revoked_x509_certs table: is it the database step-ca wrote?`);
    return tables;
  };
  try {
    if (type === 'mysql') return checked(...(await readMysql(db)));
    if (type === 'postgresql') return checked(...(await readPostgresql(db)));
  } catch (err) {
    if (err instanceof StepCaDbError) throw err;
    throw new StepCaDbError(`cannot read step-ca's ${type} database: ${(err as Error).message}`);
  }
  throw new StepCaDbError(`db.type "${db.type}" is not an SQL database fedca can read (${SQL_TYPES.join(', ')})`);
}
