import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { closedPort } from './ports.js';
import { tempDir } from './testCa.js';
import { until } from './wait.js';

/** A real haproxy in TCP mode on 127.0.0.1 in front of local backends (TLS passes through). */
export interface Haproxy {
  readonly port: number;
  stop(): Promise<void>;
}

/** Why haproxy cannot run here, or undefined. */
export function haproxyMissing(): string | undefined {
  const probe = spawnSync('haproxy', ['-v'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? 'haproxy is not installed (Debian package haproxy)' : undefined;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * Starts haproxy balancing round-robin over `backends` (ports on 127.0.0.1), with
 * health checks every 200 ms and a refused connection retried on another backend.
 */
export async function startHaproxy(backends: readonly number[]): Promise<Haproxy> {
  const dir = tempDir('fedca-haproxy-');
  const port = await closedPort();
  const config = [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  retries 3',
    '  option redispatch',
    'frontend fedca',
    `  bind 127.0.0.1:${port}`,
    '  default_backend replicas',
    'backend replicas',
    '  balance roundrobin',
    ...backends.map((p, i) => `  server r${i} 127.0.0.1:${p} check inter 200ms fall 1 rise 1`),
    '',
  ].join('\n');
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
      return accepts(port);
    }, 'haproxy to listen');
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}
