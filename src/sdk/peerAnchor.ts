import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { issuedBy } from '../pki/chain.js';
import { presentedCertificates } from './presentedChain.js';

/**
 * Which of `roots` the certificate of a TLS peer is anchored in: the first
 * root that is, or issued, a certificate of the chain the peer presented
 * (leaf first). Meant for a socket TLS already verified (`socket.authorized`),
 * to tell which federated CA a client or server belongs to. Undefined when the
 * peer presented no certificate or its chain reaches none of `roots`.
 */
export function peerAnchor(socket: TLSSocket, roots: readonly X509Certificate[]): X509Certificate | undefined {
  for (const cert of presentedCertificates(socket.getPeerCertificate(true))) {
    const root = roots.find((r) => r.fingerprint256 === cert.fingerprint256 || issuedBy(cert, r));
    if (root) return root;
  }
  return undefined;
}
