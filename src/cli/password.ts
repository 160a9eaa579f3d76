import { CliError } from './fail.js';
import { readInputFile } from './inputFile.js';

/** Reads a password file; one trailing newline (or CRLF) is not part of the password. */
export function readPasswordFile(file: string): string {
  const password = readInputFile(file, 'the password file', 2).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new CliError(`the password file ${file} is empty`);
  return password;
}

/** Asks for a password on the terminal without echoing it (as step-ca does); CliError when there is no terminal or nothing was typed. */
export async function promptPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError('no password: pass --password-file, or set "password" in ca.json, or run on a terminal to be asked');
  const { read } = await import('read');
  const password = await read({ prompt, silent: true, replace: '', output: process.stderr });
  if (password === '') throw new CliError('no password was typed');
  return password;
}
