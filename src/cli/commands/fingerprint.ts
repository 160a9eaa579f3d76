import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { fingerprint } from '../../pki/fingerprint.js';
import { pemDers } from '../../pki/pem.js';
import { action, CliError } from '../fail.js';
import { readInputFile } from '../inputFile.js';

/** The SHA-256 fingerprint of the first certificate in a PEM or DER file. */
export function fileFingerprint(file: string): string {
  const bytes = readInputFile(file);
  const text = bytes.toString('latin1');
  const der = text.includes('-----BEGIN') ? pemDers(text)[0] : bytes[0] === 0x30 ? bytes : undefined;
  try {
    if (der) return fingerprint(Buffer.from(new X509Certificate(der).raw));
  } catch {
    // falls through to the error below
  }
  throw new CliError(`${file} holds no readable certificate`, 1);
}

export function registerFingerprint(program: Command): void {
  program
    .command('fingerprint')
    .description("print a certificate's SHA-256 fingerprint (hex), as bootstrap and tokens use it")
    .argument('<file>', 'certificate file, PEM or DER')
    .action(action((file: string) => {
      process.stdout.write(fileFingerprint(file) + '\n');
    }));
}
