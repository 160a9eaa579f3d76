import type { Command } from 'commander';
import { addCaOptions, connectToCa, type CaFlags } from '../caConnection.js';
import { readCertificateFiles } from '../certificateFiles.js';
import { action, CliError } from '../fail.js';
import { crlReasonCode, serialNumber } from '../options.js';
import { addProvisionerOptions, loadProvisioner, provisionerPassword, type ProvisionerFlags } from '../provisionerFlags.js';
import { addStepAlias } from '../stepAliases.js';

interface RevokeFlags extends CaFlags, ProvisionerFlags {
  token?: string;
  cert?: string;
  key?: string;
  reasonCode?: number;
  reason?: string;
  lineage?: boolean;
}

const WHO = '--token, --provisioner/--password-file, or --cert with --key';

/** Which of the three ways of authorising a revocation the flags pick; throws CliError unless exactly one. */
function authorisation(flags: RevokeFlags): 'token' | 'provisioner' | 'certificate' {
  const picked = [
    flags.token !== undefined && ('token' as const),
    (flags.provisioner !== undefined || flags.passwordFile !== undefined) && ('provisioner' as const),
    (flags.cert !== undefined || flags.key !== undefined) && ('certificate' as const),
  ].filter((p) => p !== false);
  if (picked.length !== 1) throw new CliError(`pass ${picked.length === 0 ? '' : 'only '}one of ${WHO}`);
  if (picked[0] === 'certificate' && !(flags.cert && flags.key)) throw new CliError('--cert and --key go together');
  return picked[0];
}

/**
 * Revokes the certificate with SERIAL (already decimal): by a revoke token
 * (given, or minted with the provisioner), or by the certificate itself over mTLS.
 */
export async function runRevoke(serial: string, flags: RevokeFlags): Promise<void> {
  const how = authorisation(flags);
  if (flags.lineage && how === 'certificate') throw new CliError('--lineage needs a revoke token (--token, or --provisioner with --password-file), not --cert');
  const certificate = how === 'certificate' ? readCertificateFiles(flags.cert ?? '', flags.key ?? '') : undefined;
  const password = how === 'provisioner' ? provisionerPassword(flags) : '';
  const client = await connectToCa(flags);
  try {
    const reason = { serial, reasonCode: flags.reasonCode, reason: flags.reason };
    if (certificate) {
      await client.revoke({ ...reason, certPem: certificate.certPem, keyPem: certificate.keyPem });
    } else {
      const ott = flags.token ?? (await (await loadProvisioner(client, flags, password)).revokeToken(serial));
      if (flags.lineage) {
        const revoked = await client.revokeLineage({ ...reason, ott });
        process.stdout.write(`${revoked.length} certificate${revoked.length === 1 ? '' : 's'} of the lineage of ${serial} ha${revoked.length === 1 ? 's' : 've'} been revoked: ${revoked.join(', ')}.\n`);
        return;
      }
      await client.revoke({ ...reason, ott });
    }
    process.stdout.write(`The certificate with serial ${serial} has been revoked.\n`);
  } finally {
    client.close();
  }
}

/** Adds `fedca revoke` to the program. */
export function registerRevoke(program: Command): void {
  const command = program
    .command('revoke')
    .description('revoke a certificate (passively: the CA refuses to renew it and lists it on its CRL), authorised by a revoke token, a provisioner, or the certificate itself')
    .argument('<serial>', 'the serial number of the certificate, decimal or 0x-prefixed hex', serialNumber);
  addCaOptions(command);
  command.option('--token <jwt>', 'a revoke token from fedca token --revoke (instead of --provisioner or --cert)');
  addProvisionerOptions(command);
  command
    .option('--cert <file>', 'the certificate to revoke, PEM: revoke it over mTLS with --key (a certificate can revoke only itself)')
    .option('--key <file>', 'the private key of --cert, PEM, unencrypted')
    .option('--reason-code <n>', 'RFC 5280 reason code: 0 unspecified, 1 keyCompromise, 2 cACompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation, 6 certificateHold, 8 removeFromCRL, 9 privilegeWithdrawn, 10 aACompromise (default: 0)', crlReasonCode)
    .option('--reason <text>', 'why the certificate is revoked, kept with the revocation')
    .option('--lineage', 'also revoke every certificate descended from it by renewal or rekey (see fedca lineage); needs a revoke token or provisioner');
  addStepAlias(command, '--reasonCode <n>', '--reason-code', crlReasonCode);
  command.action(action(async (serial: string, flags: RevokeFlags) => runRevoke(serial, flags)));
}
