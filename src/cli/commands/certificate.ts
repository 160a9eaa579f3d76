import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { privateKeyPem } from '../../pki/keys.js';
import { connectToCa } from '../caConnection.js';
import { action } from '../fail.js';
import { addIssueOptions, issueKey, planIssue, type IssueFlags } from '../issueFlags.js';
import { chainPem, issuedLines } from '../issued.js';
import { checkWritable, writeOutputFile } from '../outputFiles.js';

interface CertificateFlags extends IssueFlags {
  force?: boolean;
}

/**
 * Gets a certificate: a fresh key, a CSR for SUBJECT and the SANs, a token
 * (given, or minted with the provisioner), `POST /sign`; then writes the chain
 * and the key. Writes nothing unless the CA issued the certificate.
 */
export async function runCertificate(subject: string, crtFile: string, keyFile: string, flags: CertificateFlags): Promise<void> {
  const force = Boolean(flags.force);
  checkWritable([crtFile, keyFile], force);
  const plan = planIssue(subject, flags);
  const client = await connectToCa(flags);
  try {
    const { key, signed } = await issueKey(client, plan, flags);
    writeOutputFile(crtFile, chainPem(signed), 0o644, force);
    writeOutputFile(keyFile, privateKeyPem(key), 0o600, force);
    process.stdout.write([`Your certificate has been saved in ${crtFile}.`, `Your private key has been saved in ${keyFile}.`, ...issuedLines(new X509Certificate(signed.crt))].join('\n') + '\n');
  } finally {
    client.close();
  }
}

/** Adds `fedca certificate` to the program. */
export function registerCertificate(program: Command): void {
  const command = program
    .command('certificate')
    .description('get a certificate from the CA: generate a key and a CSR, sign it with a one-time token, save the chain and the key')
    .argument('<subject>', "the certificate's common name (also its SAN unless --san is given)")
    .argument('<crt-file>', 'where to write the certificate chain, PEM: the leaf then the intermediate')
    .argument('<key-file>', 'where to write the private key, PKCS#8 PEM, unencrypted, mode 0600');
  addIssueOptions(command);
  command
    .option('--force', 'overwrite <crt-file> and <key-file> if they exist')
    .action(action(async (subject: string, crtFile: string, keyFile: string, flags: CertificateFlags) => runCertificate(subject, crtFile, keyFile, flags)));
}
