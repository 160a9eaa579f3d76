import { X509Certificate } from 'node:crypto';

/**
 * True when `der` is a root: a CA certificate that issued itself (its own
 * issuer, signed by its own key), the only kind a TLS stack takes as a trust anchor.
 */
export function isRoot(der: Buffer): boolean {
  try {
    const x509 = new X509Certificate(der);
    return x509.ca && x509.checkIssued(x509) && x509.verify(x509.publicKey);
  } catch {
    return false;
  }
}
