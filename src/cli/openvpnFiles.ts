/** The text of the OpenVPN files fedca writes: a server configuration fragment and client profiles. */

/** The PKI lines of an OpenVPN server configuration, for files named as `fedca export openvpn-server` names them. */
export function serverConfigFragment(name: string): string {
  return [
    `# PKI of the OpenVPN server "${name}", written by fedca export openvpn-server.`,
    '# Paths are relative to OpenVPN\'s working directory (--cd). Replace crl.pem before',
    '# its nextUpdate (fedca crl --pem --out crl.pem): OpenVPN rereads it on the next',
    '# connection, and with an out-of-date CRL it refuses every client.',
    'ca ca.crt',
    'cert server.crt',
    'key server.key',
    'dh none',
    'crl-verify crl.pem',
    'remote-cert-tls client',
    '',
  ].join('\n');
}

/** Where and how an OpenVPN client connects. */
export interface OpenvpnRemote {
  readonly host: string;
  readonly port: number;
  readonly proto: 'udp' | 'tcp';
}

/** What goes into a client profile: the CA chain, and the certificate and key unless they travel apart. */
export interface ClientProfileContents {
  readonly name: string;
  readonly remote: OpenvpnRemote;
  /** CA certificates (PEM) that the server's certificate must chain to. */
  readonly caPem: string;
  /** Certificate chain and key (PEM) to inline; absent for a server-locked profile. */
  readonly credentials?: { readonly certificatePem: string; readonly keyPem: string };
  /** For a server-locked profile: the PKCS#12 file that carries the certificate and key. */
  readonly pkcs12File?: string;
}

const inline = (tag: string, pem: string): string => `<${tag}>\n${pem.endsWith('\n') ? pem : pem + '\n'}</${tag}>`;

/**
 * An inline `.ovpn` client profile. A server-locked one carries no `<cert>`/`<key>`:
 * the client takes them from the OS key store (OpenVPN Connect) or a PKCS#12 file.
 */
export function clientProfile(contents: ClientProfileContents): string {
  const { host, port, proto } = contents.remote;
  const lines = [`# OpenVPN client profile "${contents.name}", written by fedca export openvpn-client.`];
  if (!contents.credentials) {
    lines.push(
      '# Server-locked: the certificate and key are not in this profile. Import',
      `# ${contents.pkcs12File ?? 'the PKCS#12 file'} into the OS key store, or give it to the command-line client`,
      '# with "pkcs12 FILE" (it asks for the PKCS#12 password).',
    );
  }
  lines.push(
    'client',
    'dev tun',
    `proto ${proto}`,
    `remote ${host} ${port}`,
    'nobind',
    'persist-key',
    'persist-tun',
    'remote-cert-tls server',
    'verb 3',
    inline('ca', contents.caPem),
  );
  if (contents.credentials) lines.push(inline('cert', contents.credentials.certificatePem), inline('key', contents.credentials.keyPem));
  return lines.join('\n') + '\n';
}
