import { X509Certificate } from 'node:crypto';
import { Unauthorized } from '../errors.js';
import { parseCertificate, type ParsedCertificate } from '../pki/certificate.js';
import { readAuthorityKeyIdentifier } from '../pki/extensionReaders.js';
import type { Issuer } from '../pki/issuer.js';
import { OID } from '../pki/oids.js';

/** A certificate a client presented (over mTLS, or in a token's x5c header). */
export interface PresentedCertificate {
  readonly der: Buffer;
  /**
   * The TLS handshake already verified its chain to the CA's own roots (the server
   * trusts only the CA's roots and intermediates for client certificates), so its
   * signature needs no second check here.
   */
  readonly chainVerified: boolean;
}

/** Whether `cert` names `intermediate` as its issuer by name and key identifier. */
function namesIssuer(cert: ParsedCertificate, intermediate: Issuer): boolean {
  if (!cert.issuer.equals(intermediate.certificate.subject)) return false;
  const aki = cert.extensions.find((e) => e.id === OID.authorityKeyIdentifier);
  const keyId = aki && readAuthorityKeyIdentifier(aki.value);
  return keyId !== undefined && keyId.equals(intermediate.keyId);
}

/**
 * Checks that a presented certificate is one this CA's intermediate issued (issuer
 * name and signature); returns it parsed. Unauthorized otherwise. When the TLS
 * handshake verified the chain, a certificate naming the intermediate by name and
 * key identifier was signed by it (the handshake checked that signature against the
 * CA's own trust), so the signature is not verified twice — on fresh mTLS
 * connections that second check was a tenth of a renewal's CPU. Expiry and
 * revocation are the caller's to judge: renewal after expiry may be allowed.
 */
export function verifyOwnCertificate(presented: PresentedCertificate, intermediate: Issuer): ParsedCertificate {
  let cert: ParsedCertificate;
  let signedHere: boolean;
  try {
    cert = parseCertificate(presented.der);
    signedHere = presented.chainVerified ? namesIssuer(cert, intermediate) : cert.issuer.equals(intermediate.certificate.subject) && new X509Certificate(presented.der).verify(intermediate.publicKey);
  } catch {
    throw new Unauthorized('client certificate is malformed');
  }
  if (!signedHere) throw new Unauthorized('certificate was not issued by this CA');
  return cert;
}
