import type { KeyObject } from 'node:crypto';
import { bitString, implicitConstructed, integer, oid, sequence, set } from './der.js';
import { classifySans, subjectAltName } from './extensions.js';
import { createSigner, spkiDer } from './keys.js';
import { encodeName } from './name.js';
import { encodableSans } from './nameEncoding.js';
import { OID } from './oids.js';

const VERSION_1 = integer(0);
const EMPTY_NAME = sequence();

/**
 * Builds and signs a PKCS#10 certification request (RFC 2986) for `key`:
 * subject `CN=<commonName>` (an empty subject when `commonName` is ""), and the
 * SANs, classified as IP, email, URI or DNS name, in an extensionRequest
 * attribute (PKCS #9), internationalised names as A-labels; the SAN extension is critical when the subject is empty
 * (RFC 5280 §4.2.1.6). Returns the DER.
 * Throws when the key type cannot sign (EC P-256/P-384/P-521, RSA and Ed25519 can),
 * NameError when a SAN cannot be written as RFC 5280 requires.
 */
export function createCsr(key: KeyObject, commonName: string, sans: readonly string[]): Buffer {
  if (commonName === '' && sans.length === 0) throw new Error('a CSR needs a common name or at least one SAN');
  const signer = createSigner(key);
  const attributes: Buffer[] = [];
  if (sans.length > 0) {
    const extensions = sequence(subjectAltName(encodableSans(classifySans(sans)), commonName === ''));
    attributes.push(sequence(oid(OID.extensionRequest), set(extensions)));
  }
  const info = sequence(
    VERSION_1,
    commonName === '' ? EMPTY_NAME : encodeName({ commonName }),
    spkiDer(key),
    implicitConstructed(0, ...attributes),
  );
  return sequence(info, signer.algorithm, bitString(signer.sign(info)));
}
