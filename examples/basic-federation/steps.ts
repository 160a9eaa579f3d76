/**
 * The steps of the basic-federation walk-through, each the `fedca` command a
 * user would type (README.md), run with the real CLI. `demo.ts` runs them on
 * the tutorial's ports; the tests run them on free ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI as built by `tsc` (dist/src/cli/main.js). */
export const FEDCA_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Where the walk-through runs, and how it reports. */
export interface Workspace {
  /** Commands run here; homes are `pki/cloud` and `pki/kubernetes` under it. */
  readonly dir: string;
  /** Each command is echoed here as `$ fedca ...` before it runs, when set. */
  readonly echo?: (line: string) => void;
  /** What each command printed on stdout goes here, when set. */
  readonly output?: (text: string) => void;
}

/** What a finished command printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** One of the walk-through's CAs. */
export interface DemoCa {
  /** `Cloud` or `Kubernetes`. */
  readonly name: string;
  /** Its home, relative to the workspace: `pki/cloud`. */
  readonly home: string;
  /** Paths relative to the workspace. */
  readonly rootFile: string;
  readonly passwordFile: string;
}

const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** Runs `program args` in the workspace; resolves its output, rejects with its stderr's last line on failure. */
export function run(ws: Workspace, program: string, args: readonly string[], shown = program): Promise<CommandOutput> {
  ws.echo?.(`$ ${[shown, ...args].map(quote).join(' ')}`);
  const command = program === 'fedca' ? process.execPath : program;
  const argv = program === 'fedca' ? [FEDCA_CLI, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: ws.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        if (stdout) ws.output?.(stdout);
        resolve({ stdout, stderr });
      }
      else reject(new Error(`${shown} ${args[0] ?? ''} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** The same as `run` for the fedca CLI. */
export const fedca = (ws: Workspace, args: readonly string[]): Promise<CommandOutput> => run(ws, 'fedca', args);

/**
 * `fedca init` for a CA named `name` in `pki/<name lower-case>` listening on
 * `127.0.0.1:<port>`, then lets it issue certificates as short as
 * `minCertDuration` (the demo's workloads renew 1-minute certificates).
 */
export async function initCa(ws: Workspace, name: string, port: number, minCertDuration = '30s'): Promise<DemoCa> {
  const home = `pki/${name.toLowerCase()}`;
  await fedca(ws, ['init', '--home', home, '--name', name, '--dns', 'localhost,127.0.0.1', '--address', `127.0.0.1:${port}`]);
  const configFile = join(ws.dir, home, 'config/ca.json');
  ws.echo?.(`# allow short-lived certificates: "minTLSCertDuration": "${minCertDuration}" in ${home}/config/ca.json`);
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as { authority: { claims?: Record<string, string> } };
  config.authority.claims = { ...config.authority.claims, minTLSCertDuration: minCertDuration };
  writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
  return { name, home, rootFile: `${home}/pki/root_ca.crt`, passwordFile: `${home}/pki/secrets/password` };
}

/** `fedca federation add`: `ca` trusts the root of `other`. */
export async function federate(ws: Workspace, ca: DemoCa, other: DemoCa): Promise<void> {
  await fedca(ws, ['federation', 'add', '--home', ca.home, '--root', other.rootFile]);
}

/** A CA server started with `fedca start`. */
export interface RunningCa {
  readonly ca: DemoCa;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far (its log). */
  log(): string;
  /** Resolves once its log matches `pattern` (rejects if it exits first). */
  waitForLog(pattern: RegExp): Promise<void>;
  /** SIGTERM, then resolves once it exited. */
  stop(): Promise<void>;
}

/** `fedca start --home <home> --workers 1`, in the background; resolves once it serves. */
export function startCa(ws: Workspace, ca: DemoCa, onLine?: (line: string) => void): Promise<RunningCa> {
  const args = ['start', '--home', ca.home, '--workers', '1', '--quiet'];
  ws.echo?.(`$ fedca ${args.join(' ')} &`);
  const child = spawn(process.execPath, [FEDCA_CLI, ...args], { cwd: ws.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const waiters: { pattern: RegExp; resolve: () => void; reject: (err: Error) => void }[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let partial = '';
  child.stderr?.on('data', (b: Buffer) => {
    log += b.toString('utf8');
    partial += b.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine?.(line);
    for (const w of [...waiters]) {
      if (w.pattern.test(log)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  void exited.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`the ${ca.name} CA exited: ${log.trim().split('\n').pop() ?? ''}`));
  });
  const waitForLog = (pattern: RegExp): Promise<void> => {
    if (pattern.test(log)) return Promise.resolve();
    if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`the ${ca.name} CA exited: ${log.trim().split('\n').pop() ?? ''}`));
    return new Promise((resolve, reject) => waiters.push({ pattern, resolve, reject }));
  };
  // The banner's last line: the CA serves, and says so completely.
  return waitForLog(/federation: \d+ root/).then(() => {
    const port = Number(/serving https:\/\/\S+:(\d+)/.exec(log)?.[1]);
    return {
      ca,
      port,
      url: `https://localhost:${port}`,
      child,
      log: () => log,
      waitForLog,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  });
}

/** `fedca token <subject> --san ...`: a one-time token from a CA of the walk-through. */
export async function token(ws: Workspace, ca: RunningCa, subject: string, sans: readonly string[] = [subject]): Promise<string> {
  const args = ['token', subject, ...sans.flatMap((san) => ['--san', san]), '--ca-url', ca.url, '--root', ca.ca.rootFile, '--password-file', ca.ca.passwordFile];
  // The token is a credential: echo the command, not what it prints.
  return (await fedca({ ...ws, output: undefined }, args)).stdout.trim();
}
