import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { errnoCode } from '../files/errno.js';
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

/**
 * Rewrites a file's contents in place (created, with `mode`, when missing): the
 * inode stays, so a bind mount of the single file into a container sees the new
 * contents, which a rename would hide. Not atomic: the new bytes are written over
 * the old, then the file is cut to their length and flushed. Throws CliError.
 */
export function rewriteInPlace(file: string, content: Buffer, mode: number): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, existsSync(file) ? 'r+' : 'wx', mode);
    writeSync(fd, content, 0, content.length, 0);
    ftruncateSync(fd, content.length);
    fsyncSync(fd);
  } catch (err) {
    throw new CliError(`cannot rewrite ${file} (${errnoCode(err)})`, 1);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
