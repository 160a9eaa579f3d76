import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { decodeJwt } from 'jose';
import { createCsr } from '../pki/csrBuilder.js';
import { generateKey, privateKeyPem, type KeySpec, type KeyType } from '../pki/keys.js';
import { toPem } from '../pki/pem.js';
import { addCaOptions, connectToCa, type CaFlags } from './caConnection.js';
import { action, CliError } from './fail.js';
import { collect, ecCurve, keyType, positiveInteger, timeOrDuration } from './options.js';
import { checkWritable, writeOutputFile } from './outputFiles.js';
import { addProvisionerOptions, loadProvisioner, provisionerPassword, type ProvisionerFlags } from './provisionerFlags.js';

interface CertificateFlags extends CaFlags, ProvisionerFlags {
  token?: string;
  san?: string[];
  kty: KeyType;
  size?: number;
  curve?: KeySpec['curve'];
  notBefore?: string;
  notAfter?: string;
  force?: boolean;
}

/** The key to generate; throws CliError for options that do not fit the key type. */
function keySpec(flags: CertificateFlags): KeySpec {
  if (flags.curve && flags.kty !== 'EC') throw new CliError('--curve applies to --kty EC only');
  if (flags.size !== undefined && flags.kty !== 'RSA') throw new CliError('--size applies to --kty RSA only');
  if (flags.size !== undefined && (flags.size < 2048 || flags.size > 8192)) throw new CliError('--size must be between 2048 and 8192');
  return { kty: flags.kty, curve: flags.curve, size: flags.size };
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
  const spec = keySpec(flags);
  const given = flags.token;
  const password = given === undefined ? provisionerPassword(flags) : '';
  const sans = flags.san?.length ? flags.san : given ? tokenSans(given, subject) : [subject];
  const client = await connectToCa(flags);
  try {
    const ott = given ?? (await (await loadProvisioner(client, flags, password)).token(subject, { sans }));
    const key = generateKey(spec);
    const csrPem = toPem(createCsr(key, subject, sans), 'CERTIFICATE REQUEST');
    const signed = await client.sign({ csrPem, ott, notBefore: flags.notBefore, notAfter: flags.notAfter });
    const leaf = new X509Certificate(signed.crt);
    const force = Boolean(flags.force);
    writeOutputFile(crtFile, signed.certChain.map((pem) => (pem.endsWith('\n') ? pem : pem + '\n')).join(''), 0o644, force);
    writeOutputFile(keyFile, privateKeyPem(key), 0o600, force);
    const serialHex = leaf.serialNumber.toLowerCase();
    process.stdout.write(
      [
        `Your certificate has been saved in ${crtFile}.`,
        `Your private key has been saved in ${keyFile}.`,
        `serial:     ${serialHex} (${BigInt('0x' + serialHex).toString(10)})`,
        `not before: ${new Date(leaf.validFrom).toISOString()}`,
        `not after:  ${new Date(leaf.validTo).toISOString()}`,
      ].join('\n') + '\n',
    );
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
  command
    .option('--san <name>', 'a DNS name, IP, email or URI for the certificate (repeatable; default: the subject)', collect)
    .option('--kty <type>', 'key type: EC, RSA or OKP (Ed25519)', keyType, 'EC')
    .option('--curve <curve>', 'EC curve: P-256, P-384 or P-521 (default: P-256)', ecCurve)
    .option('--size <bits>', 'RSA key size in bits, 2048-8192 (default: 2048)', positiveInteger)
    .option('--not-before <time|duration>', 'when the certificate becomes valid: RFC 3339 time or duration from now (default: now)', timeOrDuration)
    .option('--not-after <time|duration>', "when the certificate expires: RFC 3339 time or duration from now (default: the provisioner's default, 24h)", timeOrDuration)
    .option('--force', 'overwrite <crt-file> and <key-file> if they exist')
    .action(action(async (subject: string, crtFile: string, keyFile: string, flags: CertificateFlags) => runCertificate(subject, crtFile, keyFile, flags)));
}
