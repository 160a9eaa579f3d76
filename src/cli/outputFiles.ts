import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { replaceFile } from '../files/replaceFiles.js';
import { CliError } from './fail.js';

/** Refuses, before any work is done, to overwrite existing files unless `force` is set. Throws CliError. */
export function checkWritable(files: readonly string[], force: boolean): void {
  if (new Set(files.map((f) => resolve(f))).size !== files.length) throw new CliError('the output files must be different files');
  if (force) return;
  const existing = files.filter((f) => existsSync(f));
  if (existing.length) throw new CliError(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; use --force to overwrite`);
}

/**
 * Writes a new file with `mode` (less the umask), atomically; with `force` it
 * replaces an existing file (a new inode, so a key never sits in a file with an
 * older, wider mode). Without `force`, fails rather than replace a file that
 * appeared meanwhile. Throws FileWriteError when it cannot write.
 */
export function writeOutputFile(file: string, content: string, mode: number, force: boolean): void {
  replaceFile(file, content, mode, force);
}
