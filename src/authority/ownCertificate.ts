import { X509Certificate } from 'node:crypto';
import { Unauthorized } from '../errors.js';
import { parseCertificate, type ParsedCertificate } from '../pki/certificate.js';
import type { Issuer } from '../pki/issuer.js';

/**
 * Checks that `der` is a certificate this CA's intermediate issued (issuer name
 * and signature); returns it parsed. Unauthorized otherwise. Expiry and revocation
 * are the caller's to judge: renewal after expiry may be allowed.
 */
export function verifyOwnCertificate(der: Buffer, intermediate: Issuer): ParsedCertificate {
  let cert: ParsedCertificate;
  let signedHere: boolean;
  try {
    cert = parseCertificate(der);
    signedHere = cert.issuer.equals(intermediate.certificate.subject) && new X509Certificate(der).verify(intermediate.publicKey);
  } catch {
    throw new Unauthorized('client certificate is malformed');
  }
  if (!signedHere) throw new Unauthorized('certificate was not issued by this CA');
  return cert;
}
