import { readFileOr } from '../files/readFile.js';
import { CliError } from './fail.js';

/**
 * Reads a file the user named on the command line. Throws CliError
 * ("cannot read <what> <file> (ENOENT)") with `exitCode` when it cannot.
 */
export function readInputFile(file: string, what = '', exitCode = 1): Buffer {
  return readFileOr(file, (code) => new CliError(`cannot read ${what ? what + ' ' : ''}${file} (${code})`, exitCode));
}
