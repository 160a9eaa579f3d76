/** The errors of files/: each carries a stable `code`. */

/** A file could not be written or replaced; the message names it and the errno code. */
export class FileWriteError extends Error {
  readonly code = 'ERR_FILE_WRITE';
}
