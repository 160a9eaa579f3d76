import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoCode } from './errno.js';
import { FileWriteError } from './errors.js';

/** A file to replace and what it should hold. */
export interface Replacement {
  readonly file: string;
  readonly content: string | Buffer;
  /** The new file's mode (less the umask). */
  readonly mode: number;
  /** False: fail (EEXIST) rather than replace a file that exists; default true. */
  readonly overwrite?: boolean;
}

/** Flushes a folder, so that a rename in it survives a crash. */
function syncFolder(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
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
 * The one way fedca replaces files (ca.json, keys, certificates, peer roots):
 * atomically and durably, so a reader (a TLS server reloading its certificate,
 * another process syncing the same peer) sees the old content or the new, never
 * half, and a crash keeps one of them. Each content goes to a temporary file in
 * its target's folder and is fsynced; only once all are written are they renamed
 * over their targets, in order, and the folders fsynced.
 * Throws FileWriteError when it cannot; the targets are then untouched, unless a
 * rename itself failed after an earlier one succeeded.
 */
export function replaceFiles(replacements: readonly Replacement[]): void {
  const temporaries: string[] = [];
  try {
    for (const r of replacements) {
      try {
        temporaries.push(writeTemporary(r));
      } catch (err) {
        throw new FileWriteError(`cannot write ${r.file} (${errnoCode(err)})`);
      }
    }
    replacements.forEach((r, i) => {
      try {
        // A hard link, unlike a rename, refuses to take the place of an existing file.
        if (r.overwrite === false) linkSync(temporaries[i], r.file);
        else renameSync(temporaries[i], r.file);
      } catch (err) {
        throw new FileWriteError(`cannot ${r.overwrite === false ? 'write' : 'replace'} ${r.file} (${errnoCode(err)})`);
      }
    });
    for (const dir of new Set(replacements.map((r) => dirname(r.file)))) {
      try {
        syncFolder(dir);
      } catch (err) {
        throw new FileWriteError(`cannot flush ${dir} (${errnoCode(err)})`);
      }
    }
  } finally {
    for (const t of temporaries) rmSync(t, { force: true });
  }
}

/** replaceFiles for one file. */
export function replaceFile(file: string, content: string | Buffer, mode: number, overwrite = true): void {
  replaceFiles([{ file, content, mode, overwrite }]);
}
