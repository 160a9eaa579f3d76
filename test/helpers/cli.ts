import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (dist/src/cli/main.js). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** How a program run ended. */
export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without blocking the event loop (an in-process CA must keep answering); FEDCA_* variables are not inherited. */
export function exec(command: string, args: readonly string[], env: Record<string, string> = {}, cwd?: string): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FEDCA_')));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Asserts a failed run: non-zero exit, exactly one "fedca: ..." line on stderr matching `message`. */
export function assertOneLineError(run: Run, message: RegExp): void {
  assert.notEqual(run.status, 0, `expected failure, got: ${run.stdout}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0], /^fedca: /);
  assert.match(lines[0], message);
}
