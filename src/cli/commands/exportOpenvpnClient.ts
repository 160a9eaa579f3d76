import { X509Certificate } from 'node:crypto';
import { extname } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Replacement } from '../../files/replaceFiles.js';
import { privateKeyPem } from '../../pki/keys.js';
import { pemDers } from '../../pki/pem.js';
import { createPkcs12 } from '../../pki/pkcs12.js';
import { action, CliError } from '../fail.js';
import type { CaClient } from '../../sdk/caClient.js';
import type { IssuedKey } from '../../sdk/issueForNewKey.js';
import { exportCommand, issueAndWrite, nothingToFetch, type ExportFlags } from '../exportFiles.js';
import { issuerChain } from '../issueFlags.js';
import { chainPem, issuedLines } from '../issued.js';
import { clientProfile, type OpenvpnRemote } from '../openvpnFiles.js';
import { readPasswordFile } from '../password.js';

const CLIENT_PROFILE = 'openvpn-client';

interface ClientFlags extends ExportFlags {
  remote: { host: string; port: number };
  proto: OpenvpnRemote['proto'];
  serverLocked?: boolean;
  p12PasswordFile?: string;
}

/** Parses `--remote HOST:PORT` (`[v6]:PORT` for an IPv6 address). */
export function remoteAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError('must be HOST:PORT, with a port from 1 to 65535');
  return { host: m[1] ?? m[2], port };
}

function protocol(value: string): OpenvpnRemote['proto'] {
  if (value !== 'udp' && value !== 'tcp') throw new InvalidArgumentError('must be udp or tcp');
  return value;
}

/** Where a server-locked profile's PKCS#12 goes: beside the profile, `.p12` for `.ovpn`. */
export const pkcs12FileFor = (profileFile: string): string =>
  extname(profileFile) === '.ovpn' ? profileFile.slice(0, -'.ovpn'.length) + '.p12' : profileFile + '.p12';

/**
 * `fedca export openvpn-client NAME --remote HOST:PORT --out FILE`: a fresh key and an
 * openvpn-client certificate for NAME in an inline `.ovpn` profile; with
 * `--server-locked`, the profile carries only the CA chain and the certificate and
 * key go to a password-protected PKCS#12 file beside it, for the OS key store.
 */
export async function runExportOpenvpnClient(name: string, flags: ClientFlags): Promise<void> {
  if (flags.p12PasswordFile && !flags.serverLocked) throw new CliError('--p12-password-file applies with --server-locked only');
  if (flags.serverLocked && !flags.p12PasswordFile) throw new CliError('--server-locked needs --p12-password-file: the password that protects the PKCS#12 file');
  const p12Password = flags.p12PasswordFile ? readPasswordFile(flags.p12PasswordFile) : undefined;
  const p12File = p12Password === undefined ? undefined : pkcs12FileFor(flags.out);
  const remote = { ...flags.remote, proto: flags.proto };
  const targets = p12File ? [flags.out, p12File] : [flags.out];
  const render = ({ key, signed }: IssuedKey, client: CaClient): Replacement[] => {
    const chain = issuerChain(signed, client.rootPem);
    const caPem = chain.join('');
    if (p12File === undefined || p12Password === undefined) {
      const credentials = { certificatePem: chainPem(signed), keyPem: privateKeyPem(key) };
      return [{ file: flags.out, content: clientProfile({ name, remote, caPem, credentials }), mode: 0o600 }];
    }
    const pkcs12 = createPkcs12({ key, certificate: new X509Certificate(signed.crt).raw, caCertificates: chain.flatMap((pem) => pemDers(pem)), friendlyName: name }, p12Password);
    return [
      { file: flags.out, content: clientProfile({ name, remote, caPem, pkcs12File: p12File }), mode: 0o644 },
      { file: p12File, content: pkcs12, mode: 0o600 },
    ];
  };
  const issued = await issueAndWrite(name, flags, CLIENT_PROFILE, { targets, fetch: nothingToFetch, render });
  const saved = p12File
    ? [`The server-locked OpenVPN profile for "${name}" has been saved in ${flags.out}.`, `Its certificate and key have been saved in ${p12File} (PKCS#12, password-protected, mode 0600).`]
    : [`The OpenVPN profile for "${name}" has been saved in ${flags.out} (mode 0600: it holds the private key).`];
  process.stdout.write([...saved, ...issuedLines(new X509Certificate(issued.signed.crt))].join('\n') + '\n');
}

/** Adds `fedca export openvpn-client` to the export command. */
export function registerExportOpenvpnClient(group: Command): void {
  exportCommand(group, {
    verb: 'openvpn-client',
    description: 'issue a key and certificate for an OpenVPN client; write an inline .ovpn profile, or with --server-locked a profile without them and a PKCS#12 file',
    nameHelp: "the client's name",
    out: ['--out <file>', 'where to write the .ovpn profile'],
    profile: CLIENT_PROFILE,
    forceHelp: 'overwrite the files if they exist',
  })
    .requiredOption('--remote <host:port>', 'the OpenVPN server the profile connects to', remoteAddress)
    .option('--proto <proto>', 'udp or tcp', protocol, 'udp')
    .option('--server-locked', 'leave the certificate and key out of the profile; write them to a PKCS#12 file beside it (<file> with .p12 for .ovpn)')
    .option('--p12-password-file <file>', 'with --server-locked: file holding the password that protects the PKCS#12 file')
    .action(action(async (name: string, flags: ClientFlags) => runExportOpenvpnClient(name, flags)));
}
