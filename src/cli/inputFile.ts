import { readFileSync } from 'node:fs';
import { CliError, errorCode } from './fail.js';

/**
 * Reads a file the user named on the command line. Throws CliError
 * ("cannot read <what> <file> (ENOENT)") with `exitCode` when it cannot.
 */
export function readInputFile(file: string, what = '', exitCode = 1): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${what ? what + ' ' : ''}${file} (${errorCode(err)})`, exitCode);
  }
}
