import type { Command } from 'commander';
import { addCaOptions, connectToCa, type CaFlags } from '../caConnection.js';
import { action, CliError } from '../fail.js';
import { collect, timeOrDuration } from '../options.js';
import { addProvisionerOptions, passwordUpFront, type ProvisionerFlags } from '../provisionerFlags.js';
import { provisionerToken } from '../provisionerToken.js';
import { addCloudIdentityOptions, type CloudIdentityFlags } from '../cloudIdentity.js';

interface TokenFlags extends CaFlags, ProvisionerFlags, CloudIdentityFlags {
  san?: string[];
  profile?: string;
  revoke?: boolean;
  notAfter?: string;
}

/** Mints a one-time sign (or revoke) token and prints it on stdout. */
export async function runToken(subject: string, flags: TokenFlags): Promise<void> {
  if (flags.revoke && flags.san?.length) throw new CliError('--san does not apply to a revoke token');
  if (flags.revoke && flags.profile) throw new CliError('--profile does not apply to a revoke token');
  if (flags.revoke && !/^\d+$/.test(subject)) throw new CliError(`with --revoke the subject is a decimal serial number, not "${subject}"`);
  const password = passwordUpFront(flags);
  const client = await connectToCa(flags);
  try {
    const { ott } = await provisionerToken(client, flags, { subject, sans: flags.san, profile: flags.profile, notAfter: flags.notAfter, revoke: flags.revoke, password });
    process.stdout.write(ott + '\n');
  } finally {
    client.close();
  }
}

/** Adds `fedca token` to the program. */
export function registerToken(program: Command): void {
  const command = program
    .command('token')
    .description('print a one-time token (a JWT signed by a JWK provisioner) for fedca certificate, step ca certificate or POST /sign; with --revoke, for POST /revoke')
    .argument('<subject>', "the certificate's common name (with --revoke: the decimal serial of the certificate to revoke)");
  addCaOptions(command);
  addProvisionerOptions(command);
  addCloudIdentityOptions(command);
  command
    .option('--san <name>', 'a DNS name, IP, email or URI the certificate may carry (repeatable; default: the subject)', collect)
    .option('--profile <name>', 'certificate profile the token asks for: default, openvpn-server, openvpn-client, aws-client-vpn-server or aws-client-vpn-client (default: none, which the CA takes as default)')
    .option('--revoke', 'mint a revoke token (audience /1.0/revoke) for the serial given as subject')
    .option('--not-after <time|duration>', 'when the token expires: RFC 3339 time or duration from now (default: 5m)', timeOrDuration)
    .action(action(async (subject: string, flags: TokenFlags) => runToken(subject, flags)));
}
