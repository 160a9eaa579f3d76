import { readFileSync } from 'node:fs';
import type { DbConfig } from '../config/caConfig.js';
import { inHome } from '../config/home.js';
import { ConfigError } from '../config/errors.js';
import { SqliteStore, type SqliteOptions } from './sqlite.js';
import type { Store } from './store.js';

/** The first line of `db.passwordFile` (relative to the home); ConfigError when it cannot be read or is empty. */
function databasePassword(file: string, home: string): string {
  const path = inHome(home, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`db.passwordFile: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const password = text.split(/\r?\n/)[0];
  if (password === '') throw new ConfigError(`db.passwordFile: ${path} is empty`);
  return password;
}

/**
 * The one place a store is made, from the config's `db`: SQLite (relative paths
 * resolve against the home) or PostgreSQL (connects lazily: an unreachable database
 * makes calls reject with Unavailable, not this). The PostgreSQL driver is loaded
 * only for a PostgreSQL store: it costs each process about 14 MiB of memory.
 */
export async function openStore(db: DbConfig, home: string, sqlite: SqliteOptions = {}): Promise<Store> {
  if (db.type === 'sqlite') return new SqliteStore(db.dataSource === ':memory:' ? ':memory:' : inHome(home, db.dataSource), sqlite);
  const { PostgresStore } = await import('./postgres.js');
  return new PostgresStore({
    url: db.dataSource,
    database: db.database,
    password: db.passwordFile === undefined ? undefined : databasePassword(db.passwordFile, home),
  });
}
