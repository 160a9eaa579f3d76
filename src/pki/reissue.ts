import { signCertificate, type ParsedCertificate } from './certificate.js';
import { authorityKeyIdentifier, keyIdentifier, keyUsage, subjectKeyIdentifier } from './extensions.js';
import { randomSerial, type Issuer } from './issuer.js';
import { OID } from './oids.js';
import { readSpki } from './spki.js';

/**
 * A new certificate like `old` (renew, rekey): same subject, SANs and extensions,
 * the same duration from `now`, a fresh serial, and `publicKey` (the old one for a
 * renewal). SKI and AKI are recomputed; keyUsage follows the key type.
 */
export function reissue(old: ParsedCertificate, publicKey: Buffer, issuer: Issuer, now: Date, backdateMs: number, serial = randomSerial()): Buffer {
  const duration = old.notAfter.getTime() - old.notBefore.getTime();
  const notBefore = new Date(now.getTime() - backdateMs);
  const rsa = readSpki(publicKey).kty === 'RSA';
  const extensions = old.extensions.map((e) => {
    if (e.id === OID.subjectKeyIdentifier) return subjectKeyIdentifier(keyIdentifier(publicKey));
    if (e.id === OID.authorityKeyIdentifier) return authorityKeyIdentifier(issuer.keyId);
    if (e.id === OID.keyUsage && publicKey !== old.publicKey) return keyUsage(rsa ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature']);
    return e.der;
  });
  return signCertificate(
    { serial, issuer: issuer.certificate.subject, subject: old.subject, notBefore, notAfter: new Date(notBefore.getTime() + duration), publicKey, extensions },
    issuer.signer,
  );
}
