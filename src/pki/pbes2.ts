import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { integer, nullValue, octetString, oid, sequence } from './der.js';
import { OID } from './oids.js';

const SALT_BYTES = 16;

/** What PBES2 encryption produced: the DER AlgorithmIdentifier naming how, and the ciphertext. */
export interface Pbes2Ciphertext {
  readonly algorithm: Buffer;
  readonly ciphertext: Buffer;
}

/**
 * PBES2 (RFC 8018 §6.2) with PBKDF2-HMAC-SHA256 and AES-256-CBC, a fresh salt and IV:
 * what PKCS #8 encrypted keys and PKCS #12 bags carry. `iterations` is the guesser's cost.
 */
export function pbes2Encrypt(plaintext: Buffer, password: string, iterations: number): Pbes2Ciphertext {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const kdf = sequence(oid(OID.pbkdf2), sequence(octetString(salt), integer(iterations), sequence(oid(OID.hmacWithSha256), nullValue())));
  const algorithm = sequence(oid(OID.pbes2), sequence(kdf, sequence(oid(OID.aes256Cbc), octetString(iv))));
  return { algorithm, ciphertext };
}
