import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { explicit, implicitPrimitive, integer, nullValue, octetString, oid, sequence, set, tlv, Tag } from './der.js';
import { OID } from './oids.js';
import { pbes2Encrypt } from './pbes2.js';

/** What goes into a PKCS #12 file: a private key, its certificate, and the CA certificates above it. */
export interface Pkcs12Contents {
  readonly key: KeyObject;
  /** DER of the key's certificate. */
  readonly certificate: Buffer;
  /** DER of the CA certificates that issued it (intermediate first), carried for the key store. */
  readonly caCertificates?: readonly Buffer[];
  /** The name key stores show for the key and certificate. */
  readonly friendlyName?: string;
}

/**
 * PBKDF2 iterations for the bags and the MAC. OpenSSL 3's `pkcs12 -export` uses
 * 2048; more costs a guesser more and an import next to nothing.
 */
export const PKCS12_ITERATIONS = 100_000;

const SALT_BYTES = 16;

/** A PKCS #12 password as RFC 7292 §B.1 feeds it to its KDF: BMPString (UTF-16BE), NUL-terminated. */
function bmpPassword(password: string): Buffer {
  const utf16le = Buffer.from(password + '\0', 'utf16le');
  return Buffer.from(utf16le).swap16();
}

/**
 * The key derivation of RFC 7292 Appendix B.2 with SHA-256 (u = 32, v = 64 bytes),
 * which PKCS #12 still requires for the MAC key (ID 3) even when the bags use PBES2.
 */
function pkcs12Kdf(password: string, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  const v = 64;
  const u = 32;
  const repeatTo = (bytes: Buffer): Buffer => {
    const size = v * Math.ceil(bytes.length / v);
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i++) out[i] = bytes[i % bytes.length];
    return out;
  };
  const input = Buffer.concat([repeatTo(salt), repeatTo(bmpPassword(password))]);
  const diversifier = Buffer.alloc(v, id);
  const blocks: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let a = createHash('sha256').update(diversifier).update(input).digest();
    for (let i = 1; i < iterations; i++) a = createHash('sha256').update(a).digest();
    blocks.push(a);
    // I_j := (I_j + B + 1) mod 2^(8v) for each v-byte block, B = A repeated to v bytes.
    const b = repeatTo(a);
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[j + k] + b[k] + carry;
        input[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** PKCS12Attribute values of a bag: localKeyId ties the key to its certificate; friendlyName labels both. */
function bagAttributes(localKeyId: Buffer | undefined, friendlyName: string | undefined): Buffer[] {
  const attributes: Buffer[] = [];
  if (friendlyName) attributes.push(sequence(oid(OID.friendlyName), set(tlv(Tag.BMP_STRING, Buffer.from(friendlyName, 'utf16le').swap16()))));
  if (localKeyId) attributes.push(sequence(oid(OID.localKeyId), set(octetString(localKeyId))));
  return attributes.length ? [set(...attributes)] : [];
}

const safeBag = (bagId: string, value: Buffer, attributes: Buffer[]): Buffer => sequence(oid(bagId), explicit(0, value), ...attributes);

const certBag = (der: Buffer, attributes: Buffer[]): Buffer =>
  safeBag(OID.certBag, sequence(oid(OID.x509Certificate), explicit(0, octetString(der))), attributes);

/** ContentInfo of type data around DER bytes. */
const dataContent = (der: Buffer): Buffer => sequence(oid(OID.data), explicit(0, octetString(der)));

/**
 * Builds a password-protected PKCS #12 file (RFC 7292) as OpenSSL 3's
 * `openssl pkcs12 -export` writes it: the certificates in a PBES2-encrypted
 * (PBKDF2-SHA256, AES-256-CBC) EncryptedData, the key in a PBES2 shrouded key
 * bag, both tied by localKeyId, and an HMAC-SHA256 MAC over the whole.
 * Returns the DER. Throws RangeError for an empty password.
 */
export function createPkcs12(contents: Pkcs12Contents, password: string, iterations = PKCS12_ITERATIONS): Buffer {
  if (password === '') throw new RangeError('a PKCS #12 password must not be empty');
  const localKeyId = createHash('sha1').update(contents.certificate).digest();
  const certificates = sequence(
    certBag(contents.certificate, bagAttributes(localKeyId, contents.friendlyName)),
    ...(contents.caCertificates ?? []).map((der) => certBag(der, [])),
  );
  const encryptedCertificates = pbes2Encrypt(certificates, password, iterations);
  const certificatesContent = sequence(
    oid(OID.encryptedData),
    explicit(0, sequence(integer(0), sequence(oid(OID.data), encryptedCertificates.algorithm, implicitPrimitive(0, encryptedCertificates.ciphertext)))),
  );
  const shrouded = pbes2Encrypt(contents.key.export({ format: 'der', type: 'pkcs8' }), password, iterations);
  const keyBag = safeBag(OID.pkcs8ShroudedKeyBag, sequence(shrouded.algorithm, octetString(shrouded.ciphertext)), bagAttributes(localKeyId, contents.friendlyName));
  const authenticatedSafe = sequence(certificatesContent, dataContent(sequence(keyBag)));
  const macSalt = randomBytes(SALT_BYTES);
  const macKey = pkcs12Kdf(password, macSalt, 3, iterations, 32);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  const macData = sequence(sequence(sequence(oid(OID.sha256), nullValue()), octetString(mac)), octetString(macSalt), integer(iterations));
  return sequence(integer(3), dataContent(authenticatedSafe), macData);
}
