import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CaConfig } from '../config/caConfig.js';
import { HomeLayout, inHome } from '../config/home.js';
import { ConfigError } from '../config/load.js';

/** The folders init makes, parents first: each 0700, whatever the umask (the store makes its own, likewise). */
export const HOME_DIRS: readonly string[] = ['config', 'pki', 'pki/secrets', HomeLayout.federatedDir];

const PRIVATE_DIR = 0o700;
/** Group or others may write: what `fedca start` refuses on the home's folders and secrets. */
const LOOSE = 0o022;

/**
 * Makes `dir` (and any parent it had to create) with mode 0700 set explicitly,
 * never left to the umask; an existing `dir` is tightened to 0700 too, an
 * existing parent is left as it is.
 */
export function makePrivateDir(folder: string): void {
  const dir = resolve(folder);
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  chmodSync(dir, PRIVATE_DIR);
  if (first === undefined) return;
  // Up from `dir` to the first folder mkdir created (the walk ends at the root at worst).
  for (let path = dirname(dir); path !== dirname(first) && path !== dirname(path); path = dirname(path)) chmodSync(path, PRIVATE_DIR);
}

/** Thrown by `checkHomeModes`: a folder or secret of the home that others could change. */
export class LooseModeError extends ConfigError {}

/**
 * Refuses, as OpenSSH refuses a loose key file, a home whose `config/`,
 * `config/ca.json`, `pki/`, `pki/secrets/`, database folder or CA keys are
 * writable by group or others: whoever can write them can add a provisioner or
 * swap a root. Throws LooseModeError naming the path and the `chmod` that fixes it.
 * Paths that do not exist are left to the code that reads them.
 */
export function checkHomeModes(home: string, config: CaConfig): void {
  const dirs = ['config', 'pki', 'pki/secrets'].map((d) => inHome(home, d));
  if (config.db.type === 'sqlite' && config.db.dataSource !== ':memory:') dirs.push(dirname(inHome(home, config.db.dataSource)));
  const files = [HomeLayout.config, config.key, HomeLayout.rootKey].map((f) => inHome(home, f));
  for (const [paths, fix] of [[dirs, '700'], [files, '600']] as const) {
    for (const path of paths) {
      let mode: number;
      try {
        mode = statSync(path).mode & 0o777;
      } catch {
        continue;
      }
      if (mode & LOOSE) {
        throw new LooseModeError(`${path} is writable by group or others (mode ${mode.toString(8).padStart(4, '0')}); refusing to start. Fix it with: chmod ${fix} ${path}`);
      }
    }
  }
}
