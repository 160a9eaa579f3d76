/** A PostgreSQL database of a benchmark's own, so that its backends (and their CPU) are told apart from other users of the server. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The database's URL, and its name (which its backends show in their command lines: see cpuSecondsByPid). */
export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
}

/** Creates a fresh database on the server at `serverUrl`, runs `use` with it, and drops it afterwards (whatever `use` did). */
export async function withBenchDatabase<T>(serverUrl: string, use: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const name = `fedca_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await use({ url: url.href, name });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
