import type { DbConfig } from '../config/caConfig.js';
import { inHome } from '../config/home.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** Opens the store a config names; relative SQLite paths resolve against the home. */
export async function openStore(db: DbConfig, home: string): Promise<Store> {
  if (db.type === 'sqlite') return new SqliteStore(db.dataSource === ':memory:' ? ':memory:' : inHome(home, db.dataSource));
  throw new Error(`the "${db.type}" store is not available in this version (use "sqlite")`);
}
