/** The node:https floor of a renewal (bench/tlsFloor/server.ts) as a process of its own, beside the CAs. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningServer } from './fedca.js';

const SERVER = new URL('../tlsFloor/server.js', import.meta.url).pathname;

/** Starts the floor server with `keyPem` and `chainPem` (a server certificate for localhost), trusting `caPem` for client certificates; resolves once it listens. */
export function startTlsFloor(dir: string, keyPem: string, chainPem: string, caPem: string): Promise<RunningServer> {
  const files = { key: join(dir, 'floor.key'), chain: join(dir, 'floor.crt'), ca: join(dir, 'floor-ca.crt') };
  writeFileSync(files.key, keyPem, { mode: 0o600 });
  writeFileSync(files.chain, chainPem);
  writeFileSync(files.ca, caPem);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, files.key, files.chain, files.ca], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`the TLS floor server exited ${code}: ${err}`)));
  });
}
