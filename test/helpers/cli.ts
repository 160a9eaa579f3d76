import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cleanEnv, exec, type ExecOptions, type ExecResult } from './exec.js';

/** The compiled CLI (what the `fedca` bin runs). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs `fedca ARGS` to completion, with no stdin and no FEDCA_* variables but `env`'s. */
export function fedca(args: readonly string[], env?: ExecOptions['env'], cwd?: string): Promise<ExecResult> {
  return exec(process.execPath, [CLI, ...args], { env, cwd });
}

/**
 * Asserts that a failed command explained itself in exactly one line on stderr
 * (commander's "(run with --help for usage)" hint after a bad option value aside).
 */
export function assertOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n').filter((l) => l.trim() !== '' && !l.startsWith('(run with --help'));
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
}

/** A `fedca start` child process that has started serving. */
export interface RunningCa {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly port: number;
  /** The URL the CA printed ("https://NAME:PORT"). */
  readonly url: string;
  readonly rootFingerprint: string;
  /** How many server processes it runs (the banner's "N workers"; 1 when it names none). */
  readonly workers: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Sends `signal` (SIGTERM by default) and resolves the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const SERVING = /serving (https:\/\/[^\s:]+:(\d+))[^\n]*?(?:, (\d+) workers?\))?$/m;
const FINGERPRINT = /root fingerprint: ([0-9a-f]{64})/;

/**
 * Spawns `fedca start ARGS` (the CLI at `cli`, by default the compiled one) and
 * resolves once it printed its URL and root fingerprint; rejects (with its
 * stderr) if it exits before that.
 */
export function startFedca(args: readonly string[], env?: ExecOptions['env'], cwd?: string, cli = CLI): Promise<RunningCa> {
  const child = spawn(process.execPath, [cli, 'start', ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let serving = false;
    child.once('close', (code) => {
      if (!serving) reject(new Error(`fedca start exited (${code}) before serving: ${err}`));
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      const url = SERVING.exec(err);
      const fp = FINGERPRINT.exec(err);
      if (serving || !url || !fp) return;
      serving = true;
      resolve({
        child,
        port: Number(url[2]),
        url: url[1],
        rootFingerprint: fp[1],
        workers: Number(url[3] ?? 1),
        stdout: () => out,
        stderr: () => err,
        stop(signal: NodeJS.Signals = 'SIGTERM') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
  });
}

/** Asserts a successful run, showing its stderr otherwise. */
export function assertSucceeded(run: ExecResult): void {
  assert.equal(run.status, 0, `expected success, got exit ${run.status}:\n${run.stderr}${run.stdout}`);
}

/** Asserts a failed run: non-zero exit, and one "fedca: ..." line on stderr that matches `message`. */
export function assertOneLineError(run: ExecResult, message: RegExp): void {
  assert.notEqual(run.status, 0, `expected failure, got: ${run.stdout}`);
  assertOneLine(run.stderr);
  assert.match(run.stderr.trim(), /^fedca: /);
  assert.match(run.stderr, message);
}
