import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError, errorCode } from './fail.js';

/** The errno code of a file-system error, for one-line messages. */

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
    throw new CliError(`cannot write ${file} (${errorCode(err)})`, 1);
  }
}

/** A file to replace and what it should hold. */
export interface Replacement {
  readonly file: string;
  readonly content: string | Buffer;
  /** The new file's mode (less the umask). */
  readonly mode: number;
}

/** Writes `content` to a new temporary file next to `file` and flushes it to disk; returns its path. */
function writeTemporary({ file, content, mode }: Replacement): string {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', mode);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return temporary;
}

/**
 * Replaces files atomically, so a reader (a TLS server reloading its
 * certificate) sees the old content or the new, never half of it: each content
 * goes to a temporary file in its target's directory, and only once all are
 * written are they renamed over their targets, in order.
 * Throws CliError when it cannot write; the targets are then untouched, unless
 * a rename itself failed after an earlier one succeeded.
 */
export function replaceFiles(replacements: readonly Replacement[]): void {
  const temporaries: string[] = [];
  try {
    for (const r of replacements) {
      try {
        temporaries.push(writeTemporary(r));
      } catch (err) {
        throw new CliError(`cannot write ${r.file} (${errorCode(err)})`, 1);
      }
    }
    replacements.forEach((r, i) => {
      try {
        renameSync(temporaries[i], r.file);
      } catch (err) {
        throw new CliError(`cannot replace ${r.file} (${errorCode(err)})`, 1);
      }
    });
  } finally {
    for (const t of temporaries) rmSync(t, { force: true });
  }
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
    throw new CliError(`cannot rewrite ${file} (${errorCode(err)})`, 1);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
