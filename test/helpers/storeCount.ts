import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { TestCa } from './testCa.js';

/** How many rows a table of the test CA's SQLite store has (read-only peek). */
export function rowCount(ca: TestCa, table: 'issued_certificates' | 'used_tokens' | 'revoked_certificates'): number {
  const db = new Database(join(ca.home, 'db/fedca.sqlite'), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
