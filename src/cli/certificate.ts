import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { decodeJwt } from 'jose';
import { createCsr } from '../pki/csrBuilder.js';
import { generateKey, privateKeyPem } from '../pki/keys.js';
import { toPem } from '../pki/pem.js';
import { addCaOptions, connectToCa, type CaFlags } from './caConnection.js';
import { action, CliError } from './fail.js';
import { chainPem, issuedLines } from './issued.js';
import { addKeyOptions, keySpec, type KeyFlags } from './keyFlags.js';
import { collect, timeOrDuration } from './options.js';
import { checkWritable, writeOutputFile } from './outputFiles.js';
import { addProvisionerOptions, loadProvisioner, provisionerPassword, type ProvisionerFlags } from './provisionerFlags.js';

interface CertificateFlags extends CaFlags, ProvisionerFlags, KeyFlags {
  token?: string;
  san?: string[];
  notBefore?: string;
  notAfter?: string;
  force?: boolean;
}

/** The SANs of a token given with --token (its `sans` claim, else its subject), so the CSR asks for what it allows. */
function tokenSans(token: string, subject: string): string[] {
  try {
    const { sans } = decodeJwt(token);
    if (Array.isArray(sans) && sans.length > 0 && sans.every((s) => typeof s === 'string')) return sans as string[];
  } catch {
    throw new CliError('--token is not a JWT');
  }
  return [subject];
}

/**
 * Gets a certificate: a fresh key, a CSR for SUBJECT and the SANs, a token
 * (given, or minted with the provisioner), `POST /sign`; then writes the chain
 * and the key. Writes nothing unless the CA issued the certificate.
 */
export async function runCertificate(subject: string, crtFile: string, keyFile: string, flags: CertificateFlags): Promise<void> {
  if (flags.token && flags.provisioner) throw new CliError('pass either --token or --provisioner, not both');
  checkWritable([crtFile, keyFile], Boolean(flags.force));
  const spec = keySpec(flags, { kty: 'EC' });
  const given = flags.token;
  const password = given === undefined ? provisionerPassword(flags) : '';
  const sans = flags.san?.length ? flags.san : given ? tokenSans(given, subject) : [subject];
  const client = await connectToCa(flags);
  try {
    const ott = given ?? (await (await loadProvisioner(client, flags, password)).token(subject, { sans }));
    const key = generateKey(spec);
    const csrPem = toPem(createCsr(key, subject, sans), 'CERTIFICATE REQUEST');
    const signed = await client.sign({ csrPem, ott, notBefore: flags.notBefore, notAfter: flags.notAfter });
    const force = Boolean(flags.force);
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
  addCaOptions(command);
  command.option('--token <jwt>', 'a one-time token from fedca token (instead of --provisioner and --password-file); its sans are the default SANs');
  addProvisionerOptions(command);
  command.option('--san <name>', 'a DNS name, IP, email or URI for the certificate (repeatable; default: the subject)', collect);
  addKeyOptions(command);
  command
    .option('--not-before <time|duration>', 'when the certificate becomes valid: RFC 3339 time or duration from now (default: now)', timeOrDuration)
    .option('--not-after <time|duration>', "when the certificate expires: RFC 3339 time or duration from now (default: the provisioner's default, 24h)", timeOrDuration)
    .option('--force', 'overwrite <crt-file> and <key-file> if they exist')
    .action(action(async (subject: string, crtFile: string, keyFile: string, flags: CertificateFlags) => runCertificate(subject, crtFile, keyFile, flags)));
}
