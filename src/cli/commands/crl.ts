import { InvalidArgumentError, type Command } from 'commander';
import { AWS_CRL_MAX_ENTRIES } from '../../pki/awsClientVpn.js';
import { toPem } from '../../pki/pem.js';
import type { ParsedCrl } from '../../pki/readCrl.js';
import { fetchVerifiedCrl } from '../../sdk/verifiedCrl.js';
import { addCaOptions, connectToCa, type CaFlags } from '../caConnection.js';
import { action, CliError } from '../fail.js';
import { replaceFiles } from '../outputFiles.js';

/** The consumers `--for` knows, and what each refuses of a CRL. */
const CONSUMERS: Readonly<Record<string, (crl: ParsedCrl) => string | undefined>> = {
  'aws-client-vpn': (crl) =>
    crl.serials.length > AWS_CRL_MAX_ENTRIES
      ? `the CRL lists ${crl.serials.length.toLocaleString('en-US')} revoked certificates; an AWS Client VPN endpoint takes at most ${AWS_CRL_MAX_ENTRIES.toLocaleString('en-US')} (a fixed quota): nothing written`
      : undefined,
};

/** The `--for` option's value, checked. */
function consumer(name: string): string {
  if (!(name in CONSUMERS)) throw new InvalidArgumentError(`must be one of: ${Object.keys(CONSUMERS).join(', ')}`);
  return name;
}

interface CrlFlags extends CaFlags {
  pem?: boolean;
  out?: string;
  for?: string;
}

/** The bytes of a CRL as `--pem` asks. */
export const crlBytes = (crl: ParsedCrl, pem: boolean): Buffer | string => (pem ? toPem(crl.der, 'X509 CRL') : crl.der);

/**
 * Fetches the CA's CRL, checks its signature against the CA (and, with `--for`,
 * what that consumer takes), and writes it to `--out` (replaced atomically) or
 * stdout; refuses to print DER on a terminal.
 */
export async function runCrl(flags: CrlFlags): Promise<void> {
  if (!flags.pem && !flags.out && process.stdout.isTTY) throw new CliError('refusing to write a binary (DER) CRL to a terminal: pass --pem, --out <file>, or redirect stdout');
  const client = await connectToCa(flags);
  try {
    const crl = await fetchVerifiedCrl(client);
    const refusal = flags.for === undefined ? undefined : CONSUMERS[flags.for](crl);
    if (refusal) throw new CliError(refusal, 1);
    const bytes = crlBytes(crl, Boolean(flags.pem));
    if (flags.out) {
      replaceFiles([{ file: flags.out, content: bytes, mode: 0o644 }]);
      process.stdout.write(`The CRL has been saved in ${flags.out}.\n`);
    } else {
      process.stdout.write(bytes);
    }
  } finally {
    client.close();
  }
}

/** Adds `fedca crl` to the program. */
export function registerCrl(program: Command): void {
  const command = program.command('crl').description("fetch the CA's current certificate revocation list (RFC 5280), DER unless --pem, checked against the CA's signature");
  addCaOptions(command);
  command
    .option('--pem', 'PEM ("-----BEGIN X509 CRL-----") instead of DER')
    .option('--out <file>', 'write the CRL to this file (replaced atomically) instead of stdout')
    .option('--for <consumer>', `refuse a CRL that consumer would not take: aws-client-vpn (at most ${AWS_CRL_MAX_ENTRIES.toLocaleString('en-US')} entries)`, consumer)
    .action(action(async (flags: CrlFlags) => runCrl(flags)));
}
