/** The node:https floor of a renewal and of a sign (bench/tlsFloor/server.ts) as a server of its own, beside the CAs. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNodeServer, type RunningServer } from './fedca.js';

const SERVER = new URL('../tlsFloor/server.js', import.meta.url).pathname;

/**
 * Starts the floor server with `keyPem` and `chainPem` (a server certificate for localhost), trusting `caPem` for
 * client certificates, in `workers` processes; with `home` (a fedca home) it also serves the sign floor. Resolves once it listens.
 */
export function startTlsFloor(dir: string, keyPem: string, chainPem: string, caPem: string, workers: number, home?: string): Promise<RunningServer> {
  const files = { key: join(dir, 'floor.key'), chain: join(dir, 'floor.crt'), ca: join(dir, 'floor-ca.crt') };
  writeFileSync(files.key, keyPem, { mode: 0o600 });
  writeFileSync(files.chain, chainPem);
  writeFileSync(files.ca, caPem);
  return startNodeServer('the TLS floor server', [SERVER, files.key, files.chain, files.ca, ...(home ? [home] : [])], { FLOOR_WORKERS: String(workers) });
}
