import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI, fedca } from './cli.js';
import { cleanEnv, exec as execWith, type ExecResult } from './exec.js';

/** What a finished program left behind. */
export type Run = ExecResult;

export { CLI };

/** Runs a program without blocking the event loop, with `env` added to a FEDCA_*-free environment. */
export const exec = (command: string, args: readonly string[], env: Record<string, string> = {}): Promise<Run> => execWith(command, args, { env });

/** Runs `fedca ARGS` to completion. */
export const runFedca = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> => fedca(args, env);

/** A `fedca` process left running (`fedca renew --daemon`), its output collected as it comes. */
export interface RunningFedca {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr matches `pattern` (with the match); rejects if the process exits first. */
  stderrMatching(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Sends `signal` and resolves the exit status and signal once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `fedca ARGS` and leaves it running. */
export function spawnFedca(args: readonly string[], env: Record<string, string> = {}): RunningFedca {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString('utf8');
    for (const w of watchers) w();
  });
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (status, signal) => resolve({ status, signal })));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    stderrMatching(pattern) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(err);
          if (!m) return;
          watchers.delete(check);
          resolve(m);
        };
        watchers.add(check);
        check();
        void exited.then(({ status }) => {
          if (!watchers.has(check)) return;
          watchers.delete(check);
          reject(new Error(`fedca exited (${status}) before its stderr matched ${pattern}:\n${err}`));
        });
      });
    },
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Asserts a failed run: non-zero exit, exactly one "fedca: ..." line on stderr matching `message`. */
export function assertOneLineError(run: Run, message: RegExp): void {
  assert.notEqual(run.status, 0, `expected failure, got: ${run.stdout}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0], /^fedca: /);
  assert.match(lines[0], message);
}

/**
 * Asserts that `fedca VERB --help` succeeds and gives each argument (`<name>`)
 * and option (`--name`) in `items` a line with a description.
 */
export async function assertHelpDescribes(verb: string, items: readonly string[]): Promise<void> {
  const run = await runFedca([verb, '--help']);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.split('\n');
  for (const item of items) {
    const name = item.replace(/^<(.*)>$/, '$1');
    const described = lines.some((line) => new RegExp(`^\\s+(-\\w, )?${name}( <[^>]+>)?\\s{2,}\\S`).test(line));
    assert.ok(described, `${item} has a description in:\n${run.stdout}`);
  }
}
