import type { Command } from 'commander';
import { replaceFiles } from '../../files/replaceFiles.js';
import { addCaOptions, connectToCa, type CaFlags } from '../caConnection.js';
import { action, CliError } from '../fail.js';

interface CrlFlags extends CaFlags {
  pem?: boolean;
  out?: string;
}

/** Fetches the CA's CRL and writes it to `--out` (replaced atomically) or stdout; refuses to print DER on a terminal. */
export async function runCrl(flags: CrlFlags): Promise<void> {
  if (!flags.pem && !flags.out && process.stdout.isTTY) throw new CliError('refusing to write a binary (DER) CRL to a terminal: pass --pem, --out <file>, or redirect stdout');
  const client = await connectToCa(flags);
  try {
    const crl = await client.crl({ pem: Boolean(flags.pem) });
    if (flags.out) {
      replaceFiles([{ file: flags.out, content: crl, mode: 0o644 }]);
      process.stdout.write(`The CRL has been saved in ${flags.out}.\n`);
    } else {
      process.stdout.write(crl);
    }
  } finally {
    client.close();
  }
}

/** Adds `fedca crl` to the program. */
export function registerCrl(program: Command): void {
  const command = program.command('crl').description("fetch the CA's current certificate revocation list (RFC 5280), DER unless --pem");
  addCaOptions(command);
  command
    .option('--pem', 'PEM ("-----BEGIN X509 CRL-----") instead of DER')
    .option('--out <file>', 'write the CRL to this file (replaced atomically) instead of stdout')
    .action(action(async (flags: CrlFlags) => runCrl(flags)));
}
