import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLI } from './cli.js';
import { cleanEnv } from './exec.js';

/** One JSON line a fedca daemon verb printed (openvpn-agent, crl --watch). */
export type DaemonRecord = Readonly<Record<string, unknown>> & { readonly event: string };

/** A running fedca verb that prints one JSON record per line on stdout. */
export interface CliDaemon {
  readonly records: DaemonRecord[];
  /** Everything written on stderr so far. */
  stderr(): string;
  /** Resolves the first record from index `from` on that matches, polling every 10 ms; throws after `timeoutMs` (default 5 s) or once the process has exited without one. */
  waitFor(match: (r: DaemonRecord) => boolean, from?: number, timeoutMs?: number): Promise<DaemonRecord>;
  /** Resolves the exit code once the process is gone (without signalling it). */
  exited(): Promise<number | null>;
  /** SIGTERM; resolves the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

/** Starts `fedca ARGS...` in the background, collecting its JSON records. */
export function startCliDaemon(args: readonly string[]): CliDaemon {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const records: DaemonRecord[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    const lines = (partial + b.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) records.push(JSON.parse(line) as DaemonRecord);
  });
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  let done = false;
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      done = true;
      resolve(code);
    }),
  );
  const dump = (): string => `records:\n${records.map((r) => JSON.stringify(r)).join('\n')}\nstderr: ${stderr}`;
  return {
    records,
    stderr: () => stderr,
    async waitFor(match, from = 0, timeoutMs = 5_000) {
      for (let waited = 0; waited <= timeoutMs; waited += 10) {
        const found = records.slice(from).find(match);
        if (found) return found;
        if (done) break;
        await sleep(10);
      }
      throw new Error(`no such record from fedca ${args[0]}; ${dump()}`);
    },
    exited: () => closed,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return closed;
    },
  };
}
