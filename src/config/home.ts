import { isAbsolute, resolve } from 'node:path';

/** The CA's home: `--home`, else `FEDCA_HOME`, else the current directory. */
export function resolveHome(option?: string): string {
  return resolve(option ?? process.env.FEDCA_HOME ?? process.cwd());
}

/** Resolves a config path against the home (absolute paths are kept). */
export function inHome(home: string, path: string): string {
  return isAbsolute(path) ? path : resolve(home, path);
}

/** Where things live in a home (architecture.md's home layout). */
export const HomeLayout = {
  config: 'config/ca.json',
  root: 'pki/root_ca.crt',
  intermediate: 'pki/intermediate_ca.crt',
  rootKey: 'pki/secrets/root_ca_key',
  intermediateKey: 'pki/secrets/intermediate_ca_key',
  password: 'pki/secrets/password',
  federatedDir: 'pki/federated',
  /** The roots last fetched from each peer of `federation.peers`, one JSON file per peer. */
  peersDir: 'pki/federated/peers',
  sqlite: 'db/fedca.sqlite',
} as const;
