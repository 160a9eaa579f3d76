import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import { privateKeyPem } from '../../pki/keys.js';
import { action } from '../fail.js';
import { exportCommand, issueAndWrite, type ExportFlags } from '../exportFiles.js';
import { issuerChain } from '../issueFlags.js';
import { chainPem, issuedLines } from '../issued.js';
import { serverConfigFragment } from '../openvpnFiles.js';

/** The files of an OpenVPN server's PKI, named as the configuration fragment names them. */
const SERVER_FILES = ['ca.crt', 'server.crt', 'server.key', 'crl.pem', 'server.conf'] as const;
const SERVER_PROFILE = 'openvpn-server';

/**
 * `fedca export openvpn-server NAME --out DIR`: a fresh key and an openvpn-server
 * certificate for NAME, the CA chain, the CA's current CRL, and the server
 * configuration lines that use them (easy-rsa's build-server-full, plus gen-crl).
 */
export async function runExportOpenvpnServer(name: string, flags: ExportFlags): Promise<void> {
  const [caFile, crtFile, keyFile, crlFile, confFile] = SERVER_FILES.map((f) => join(flags.out, f));
  const issued = await issueAndWrite(name, flags, SERVER_PROFILE, {
    targets: [caFile, crtFile, keyFile, crlFile, confFile],
    fetch: (client) => client.crl({ pem: true }),
    render: ({ key, signed }, client, crl) => [
      { file: caFile, content: issuerChain(signed, client.rootPem).join(''), mode: 0o644 },
      { file: crtFile, content: chainPem(signed), mode: 0o644 },
      { file: keyFile, content: privateKeyPem(key), mode: 0o600 },
      { file: crlFile, content: crl, mode: 0o644 },
      { file: confFile, content: serverConfigFragment(name), mode: 0o644 },
    ],
  });
  process.stdout.write(
    [`The OpenVPN server files for "${name}" have been saved in ${flags.out}: ${SERVER_FILES.join(', ')} (server.key mode 0600).`, ...issuedLines(new X509Certificate(issued.signed.crt))].join('\n') +
      '\n',
  );
}

/** Adds `fedca export openvpn-server` to the export command. */
export function registerExportOpenvpnServer(group: Command): void {
  exportCommand(group, {
    verb: 'openvpn-server',
    description: 'issue a key and certificate for an OpenVPN server; write ca.crt, server.crt, server.key, crl.pem and a server.conf fragment',
    nameHelp: "the server's name",
    out: ['--out <dir>', 'directory to write the files into (created, mode 0700, if missing)'],
    profile: SERVER_PROFILE,
    forceHelp: 'overwrite files in <dir> that exist',
  }).action(action(async (name: string, flags: ExportFlags) => runExportOpenvpnServer(name, flags)));
}
