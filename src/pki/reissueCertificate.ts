import { signCertificate, type ParsedCertificate } from './certificate.js';
import { wholeSeconds } from './der.js';
import { authorityKeyIdentifier, defaultKeyUsages, keyIdentifier, keyUsage, subjectKeyIdentifier } from './extensions.js';
import { newSerial, type Issuer } from './issuer.js';
import { OID } from './oids.js';
import { readSpki } from './spki.js';

/** A re-issued certificate and its validity (whole seconds, as the certificate holds it). */
export interface ReissuedCertificate {
  readonly der: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * A new certificate like `old` (renew, rekey): same subject, SANs and extensions,
 * the same duration from `now`, a fresh serial, and `publicKey` (the old one for a
 * renewal). The SKI is kept for the same key and recomputed for a new one; the AKI
 * names `issuer`. keyUsage is kept while the key type is
 * (a profile's usages survive a rekey), and follows the default profile when the
 * type changes (keyEncipherment only for RSA).
 */
export function reissue(old: ParsedCertificate, publicKey: Buffer, issuer: Issuer, now: Date, backdateMs: number, serial = newSerial()): ReissuedCertificate {
  const duration = old.notAfter.getTime() - old.notBefore.getTime();
  const notBefore = wholeSeconds(new Date(now.getTime() - backdateMs));
  const notAfter = new Date(notBefore.getTime() + duration);
  const kty = readSpki(publicKey).kty;
  const keyTypeChanged = publicKey !== old.publicKey && kty !== readSpki(old.publicKey).kty;
  const extensions = old.extensions.map((e) => {
    if (e.id === OID.subjectKeyIdentifier) return publicKey.equals(old.publicKey) ? e.der : subjectKeyIdentifier(keyIdentifier(publicKey));
    if (e.id === OID.authorityKeyIdentifier) return authorityKeyIdentifier(issuer.keyId);
    if (e.id === OID.keyUsage && keyTypeChanged) return keyUsage(defaultKeyUsages(kty === 'RSA'));
    return e.der;
  });
  const der = signCertificate({ serial, issuer: issuer.certificate.subject, subject: old.subject, notBefore, notAfter, publicKey, extensions }, issuer.signer);
  return { der, notBefore, notAfter };
}
