import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './fail.js';

/** Refuses, before any work is done, to overwrite existing files unless `force` is set. Throws CliError. */
export function checkWritable(files: readonly string[], force: boolean): void {
  if (new Set(files.map((f) => resolve(f))).size !== files.length) throw new CliError('the output files must be different files');
  if (force) return;
  const existing = files.filter((f) => existsSync(f));
  if (existing.length) throw new CliError(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; use --force to overwrite`);
}

/**
 * Creates a file with `mode` (less the umask); with `force` an existing file is
 * removed first, so a key never sits in a file with an older, wider mode.
 * Without `force`, fails rather than replace a file that appeared meanwhile.
 * Throws CliError when it cannot write.
 */
export function writeOutputFile(file: string, content: string, mode: number, force: boolean): void {
  try {
    if (force) rmSync(file, { force: true });
    writeFileSync(file, content, { mode, flag: 'wx' });
  } catch (err) {
    throw new CliError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, 1);
  }
}
