/** A fedca CA for a benchmark: `fedca init` into a temporary home, `fedca start` as its own process. */
import { spawn, type ChildProcess } from 'node:child_process';

/** This build's CLI; FEDCA_BENCH_CLI names another build's `dist/src/cli/main.js` (to compare two branches in one run). */
const cli = (): string => process.env.FEDCA_BENCH_CLI ?? new URL('../../src/cli/main.js', import.meta.url).pathname;

/** Runs a fedca CLI verb to completion; rejects with its output when it fails. */
export function runFedca(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`fedca ${args[0]} exited ${code}: ${out}`))));
  });
}

export interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
}

/**
 * Runs a Node script (`args`: the script, then its arguments) as a server process of its own and
 * resolves once it prints "listening on HOST:PORT" on stderr, as `fedca start` does; rejects with
 * its stderr when it exits first. `name` says whose failure it was.
 */
export function startNodeServer(name: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${name} exited ${code}: ${err}`)));
  });
}

/** Starts `fedca start` on a home (address 127.0.0.1:0 in its ca.json, unless `args` say --address) and resolves once it prints its port. */
export function startFedca(home: string, passwordFile: string, env: NodeJS.ProcessEnv = {}, args: readonly string[] = []): Promise<RunningServer> {
  return startNodeServer('fedca', [cli(), 'start', '--home', home, '--password-file', passwordFile, '--quiet', ...args], env);
}

/** Stops a server and waits for it (and so its workers) to exit. */
export function stopServer(server: RunningServer | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}
