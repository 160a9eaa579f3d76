import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { skipUnless } from './requirements.js';

/** The PostgreSQL every development and CI machine runs (trust authentication, database `test`). */
export const POSTGRES_URL = process.env.FEDCA_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A schema of its own in the test database, dropped by `drop`. */
export interface TestSchema {
  readonly name: string;
  /** A connection URL whose search_path is the schema: a store opened on it sees only its own tables. */
  readonly url: string;
  /** Runs SQL as the admin in the test database (for peeking and cleanup). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

/** Why PostgreSQL cannot be used, or undefined when it answers. */
export async function postgresMissing(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `no PostgreSQL at ${POSTGRES_URL} (${(err as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Skips the suite (fails it under CI) when PostgreSQL does not answer. */
export async function requirePostgres(ctx: Mocha.Context): Promise<void> {
  skipUnless(ctx, 'PostgreSQL tests', await postgresMissing());
}

/** The test database's URL with `search_path` set to `schema`. */
export function urlWithSchema(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.href;
}

/** Creates a fresh schema (`fedca_test_<random>`) in the test database. */
export async function createTestSchema(): Promise<TestSchema> {
  const name = `fedca_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  admin.on('error', () => undefined);
  await admin.query(`CREATE SCHEMA ${name}`);
  return {
    name,
    url: urlWithSchema(name),
    query: (text, values) => admin.query(text, values),
    async drop() {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
