import { InvalidArgumentError, type Command } from 'commander';
import { replaceFiles } from '../../files/replaceFiles.js';
import { AWS_CRL_MAX_ENTRIES } from '../../pki/awsClientVpn.js';
import { crlFileBytes, type ParsedCrl } from '../../pki/readCrl.js';
import { fetchVerifiedCrl } from '../../sdk/verifiedCrl.js';
import { addCaOptions, connectToCa, type CaFlags } from '../caConnection.js';
import { action, CliError } from '../fail.js';
import { runCrlWatch } from '../crlWatch.js';
import { positiveDuration } from '../options.js';

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
  watch?: boolean;
  exec?: string;
  inPlace?: boolean;
  warnBefore?: number;
}

/** The bytes of a CRL as `--pem` asks. */

/** `--watch`: keeps `--out` fresh until stopped. Throws CliError for flags that do not go with it. */
async function watch(flags: CrlFlags): Promise<void> {
  if (!flags.out) throw new CliError('--watch needs --out <file>: the file to keep fresh');
  const client = await connectToCa(flags);
  try {
    await runCrlWatch({
      client,
      file: flags.out,
      pem: Boolean(flags.pem),
      inPlace: Boolean(flags.inPlace),
      exec: flags.exec,
      warnBeforeMs: flags.warnBefore,
      refusal: flags.for === undefined ? undefined : CONSUMERS[flags.for],
      log: (event) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n'),
    });
  } finally {
    client.close();
  }
}

/**
 * Fetches the CA's CRL, checks its signature against the CA (and, with `--for`,
 * what that consumer takes), and writes it to `--out` (replaced atomically) or
 * stdout; refuses to print DER on a terminal.
 */
export async function runCrl(flags: CrlFlags): Promise<void> {
  if (flags.watch) return watch(flags);
  for (const [set, name] of [[flags.exec, '--exec'], [flags.inPlace, '--in-place'], [flags.warnBefore, '--warn-before']] as const) {
    if (set !== undefined) throw new CliError(`${name} goes with --watch`);
  }
  if (!flags.pem && !flags.out && process.stdout.isTTY) throw new CliError('refusing to write a binary (DER) CRL to a terminal: pass --pem, --out <file>, or redirect stdout');
  const client = await connectToCa(flags);
  try {
    const crl = await fetchVerifiedCrl(client);
    const refusal = flags.for === undefined ? undefined : CONSUMERS[flags.for](crl);
    if (refusal) throw new CliError(refusal, 1);
    const bytes = crlFileBytes(crl, Boolean(flags.pem));
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
    .option('--watch', 'keep --out fresh until stopped: fetch on every revocation (the CA tells at once) and at 3/4 of each CRL\'s validity; one JSON line per event on stdout')
    .option('--exec <command>', 'with --watch: a command for sh -c after each change of the file (a reload, an AWS import)')
    .option('--in-place', 'with --watch: rewrite the file\'s contents in place (same inode, for a bind-mounted file) instead of replacing it atomically')
    .option('--warn-before <duration>', "with --watch: exit 1 when the file would lapse within this and the CA gives no good CRL (default: a quarter of the CRL's validity)", positiveDuration)
    .action(action(async (flags: CrlFlags) => runCrl(flags)));
}
