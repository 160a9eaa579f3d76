import { spawn } from 'node:child_process';

/** What a finished child process left behind. */
export interface ExecResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Written to the child's stdin, which is then closed (stdin is /dev/null when absent). */
  readonly input?: string | Buffer;
  /** Variables added to (or, when undefined, removed from) this process's environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** This process's environment without any FEDCA_* variable, plus `extra`. */
export function cleanEnv(extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('FEDCA_')) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * Runs a program to completion without blocking the event loop (an in-process
 * test CA must keep answering while curl or openssl talk to it).
 */
export function exec(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const input = options.input;
    const child = spawn(command, args, { env: cleanEnv(options.env), cwd: options.cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    if (input !== undefined && child.stdin) {
      // A child that exits before reading all of its input shows in its status; EPIPE is not the test's business.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

/** Runs the real openssl binary; rejects with its stderr when it fails. */
export async function openssl(args: readonly string[], input?: string | Buffer): Promise<string> {
  const r = await exec('openssl', args, { input });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** How many certificates `openssl storeutl` finds in a PEM file. */
export async function opensslCertificateCount(file: string): Promise<number> {
  const out = await openssl(['storeutl', '-noout', '-certs', file]);
  const m = /Total found: (\d+)/.exec(out);
  if (!m) throw new Error(`unexpected openssl storeutl output: ${out}`);
  return Number(m[1]);
}
