import { connect, type TLSSocket } from 'node:tls';
import { ipBytes } from '../../../pki/ip.js';
import type { Deadline } from './deadline.js';
import { ChallengeFailure, quoted } from './failure.js';
import { connectionFailure, endpoint, isUnreachable, permittedAddresses } from './targets.js';
import { checkAlpnCertificate } from './tlsAlpn01Certificate.js';
import type { AcmeIdentifier, ChallengeAttempt, ValidationPolicy } from './validation.js';

/** The ALPN protocol of a tls-alpn-01 responder (RFC 8737 §6.2). */
export const ACME_TLS_ALPN = 'acme-tls/1';

/**
 * The SNI of a tls-alpn-01 handshake: the DNS name, or for an IP identifier its
 * reverse-DNS name (RFC 8738 §6), e.g. 1.0.0.127.in-addr.arpa, without the final dot.
 */
export function alpnServerName(identifier: AcmeIdentifier): string {
  if (identifier.type === 'dns') return identifier.value;
  const bytes = ipBytes(identifier.value);
  if (bytes.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...bytes].flatMap((b) => [b >> 4, b & 0xf]).map((n) => n.toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

/**
 * Validates a tls-alpn-01 challenge (RFC 8737): a TLS 1.2+ handshake with a permitted
 * address of the identifier on port 443, ALPN acme-tls/1 and SNI the identifier's name;
 * the protocol negotiated must be acme-tls/1 and the certificate must pass
 * checkAlpnCertificate. Throws ChallengeFailure: 'connection' (unreachable, deadline),
 * 'tls' (handshake failed, acme-tls/1 not negotiated, no certificate), 'incorrectResponse'
 * (wrong certificate), 'dns', 'rejectedIdentifier'.
 */
export async function validateTlsAlpn01(attempt: ChallengeAttempt, policy: ValidationPolicy, deadline: Deadline): Promise<void> {
  const port = policy.tlsPort ?? 443;
  const addresses = await permittedAddresses(attempt.identifier.value, policy, deadline);
  for (let i = 0; ; i++) {
    const at = endpoint(addresses[i], port);
    let der: Buffer;
    try {
      der = await handshake(addresses[i], port, alpnServerName(attempt.identifier), deadline);
    } catch (err) {
      if (i + 1 < addresses.length && isUnreachable(err)) continue;
      throw err instanceof ChallengeFailure ? err : connectionFailure(err, at);
    }
    checkAlpnCertificate(der, attempt.identifier, attempt.keyAuthorization, at);
    return;
  }
}

/** The DER of the certificate presented over an acme-tls/1 handshake; the raw error when TCP fails, ChallengeFailure('tls') after. */
function handshake(address: string, port: number, servername: string, deadline: Deadline): Promise<Buffer> {
  const at = endpoint(address, port);
  // Challenge certificates are self-signed by design: the checks are RFC 8737's, not a trust store's.
  const socket: TLSSocket = connect({ host: address, port, servername, ALPNProtocols: [ACME_TLS_ALPN], rejectUnauthorized: false, minVersion: 'TLSv1.2' });
  let tcpConnected = false;
  socket.once('connect', () => {
    tcpConnected = true;
  });
  const work = new Promise<Buffer>((resolve, reject) => {
    socket.once('secureConnect', () => {
      const protocol = socket.alpnProtocol;
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      socket.destroy();
      if (protocol !== ACME_TLS_ALPN) {
        reject(new ChallengeFailure('tls', `${at} did not negotiate ALPN ${ACME_TLS_ALPN} (negotiated ${protocol ? quoted(protocol) : 'none'})`));
      } else if (!raw || raw.length === 0) {
        reject(new ChallengeFailure('tls', `${at} presented no certificate`));
      } else {
        resolve(raw);
      }
    });
    // Kept for the socket's life: a second error after the first must not go unhandled.
    socket.on('error', (err: Error & { code?: string }) => {
      socket.destroy();
      if (!tcpConnected) reject(err);
      else if (err.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') reject(new ChallengeFailure('tls', `${at} does not speak ALPN ${ACME_TLS_ALPN}`));
      else reject(new ChallengeFailure('tls', `TLS handshake with ${at} failed: ${err.message}`));
    });
  });
  return deadline.within(work, `${at} (tls-alpn-01 handshake)`, () => socket.destroy());
}
