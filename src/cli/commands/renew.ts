import type { Command } from 'commander';
import type { CaClient } from '../../sdk/caClient.js';
import type { ClientCertificate } from '../../sdk/clientCertificate.js';
import type { SignResponse } from '../../sdk/wire.js';
import { replaceFiles } from '../../files/replaceFiles.js';
import { connectToCa } from '../caConnection.js';
import { readCertificateFiles } from '../certificateFiles.js';
import { action } from '../fail.js';
import { chainPem } from '../issued.js';
import { addRenewalCommand, reportNotDue, reportSaved, type RenewalFlags } from '../renewalFlags.js';
import { runRenewDaemon } from '../renewDaemon.js';

interface RenewFlags extends RenewalFlags {
  daemon?: boolean;
  bearer?: boolean;
}

/** How to renew: over mTLS, or with a renew token. */
function renewer(client: CaClient, bearer: boolean): (certificate: ClientCertificate) => Promise<SignResponse> {
  return (certificate) => (bearer ? client.renewWithToken(certificate) : client.renew(certificate));
}

/** One line of the daemon's log on stderr. */
const logLine = (line: string): void => void process.stderr.write(`fedca renew: ${new Date().toISOString()} ${line}\n`);

/**
 * Renews the certificate in CRT_FILE (over mTLS with KEY_FILE, or with a renew
 * token), when due or forced, and replaces the chain file atomically; with
 * `--daemon`, keeps doing so until SIGTERM or SIGINT.
 */
export async function runRenew(crtFile: string, keyFile: string, flags: RenewFlags): Promise<void> {
  const current = readCertificateFiles(crtFile, keyFile);
  const out = flags.out ?? crtFile;
  if (!flags.daemon && reportNotDue(current.leaf, crtFile, flags)) return;
  const client = await connectToCa(flags);
  try {
    const renew = renewer(client, Boolean(flags.bearer));
    if (flags.daemon) {
      await runRenewDaemon({ certificate: current, crtFile: out, renew, expiresInMs: flags.expiresIn, immediately: flags.force, exec: flags.exec, log: logLine });
      return;
    }
    const signed = await renew(current);
    replaceFiles([{ file: out, content: chainPem(signed), mode: 0o644 }]);
    await reportSaved(signed, [`Your certificate has been renewed and saved in ${out}.`], flags);
  } finally {
    client.close();
  }
}

/** Adds `fedca renew` to the program. */
export function registerRenew(program: Command): void {
  const command = addRenewalCommand(
    program,
    'renew',
    'renew a certificate of the CA (same names and duration, new serial, same key) over mTLS and replace the chain file atomically',
    "the certificate's private key, PEM, unencrypted",
  );
  command
    .option('--bearer', 'authenticate with a renew token (a JWT signed by the certificate key, sent as Authorization: Bearer) instead of mTLS')
    .option('--daemon', "keep running: renew at 2/3 of each certificate's lifetime (± jitter), retry failures with backoff, log one line per renewal or failure to stderr; stop on SIGTERM or SIGINT")
    .action(action(async (crtFile: string, keyFile: string, flags: RenewFlags) => runRenew(crtFile, keyFile, flags)));
}
