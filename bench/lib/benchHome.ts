/** A fresh fedca home for a benchmark: `fedca init` in a temporary directory, with its CA password in a file. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { openStore } from '../../src/store/open.js';
import { closedPort } from '../../test/helpers/ports.js';
import type { Store } from '../../src/store/store.js';
import { runFedca } from './fedca.js';

export interface BenchHome {
  /** The temporary directory (the home is `home` inside it); `remove` deletes it. */
  readonly dir: string;
  readonly home: string;
  readonly password: string;
  readonly passwordFile: string;
  /** Opens the home's store as `fedca start` would (close it before starting the server on SQLite writes). */
  openStore(): Promise<Store>;
  /** Sets top-level keys of the home's config/ca.json (before the server starts). */
  setConfig(keys: Readonly<Record<string, unknown>>): void;
  /** Sets `insecureAddress` (the plain-HTTP listener for CRL and OCSP) to a free loopback port; resolves the port. */
  addInsecureListener(): Promise<number>;
  remove(): void;
}

/** `fedca init` into a new temporary home listening on 127.0.0.1:0; `db` is a PostgreSQL URL, or absent for SQLite. */
export async function makeBenchHome(prefix: string, db?: string): Promise<BenchHome> {
  const dir = mkdtempSync(join(tmpdir(), `fedca-bench-${prefix}-`));
  const home = join(dir, 'home');
  const password = randomBytes(16).toString('hex');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  await runFedca(['init', '--home', home, '--address', '127.0.0.1:0', '--password-file', passwordFile, ...(db ? ['--db', db] : [])]);
  const setConfig = (keys: Readonly<Record<string, unknown>>): void => {
    const file = join(home, 'config/ca.json');
    writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...keys }, null, 2));
  };
  return {
    dir,
    home,
    password,
    passwordFile,
    openStore: () => openStore(loadConfig(home).db, home),
    setConfig,
    addInsecureListener: async () => {
      const port = await closedPort();
      setConfig({ insecureAddress: `127.0.0.1:${port}` });
      return port;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
