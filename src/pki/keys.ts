import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign as cryptoSign } from 'node:crypto';
import { nullValue, octetString, oid, sequence } from './der.js';
import { OID } from './oids.js';
import { pbes2Encrypt } from './pbes2.js';
import { toPem } from './pem.js';

/** Key types, named as JWK's `kty`: EC (P-256/384/521), RSA, OKP (Ed25519). */
export type KeyType = 'EC' | 'RSA' | 'OKP';

/** What to generate: the type and, for EC a curve, for RSA a size in bits. */
export interface KeySpec {
  readonly kty: KeyType;
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  readonly size?: number;
}

const NODE_CURVE = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as const;

/** Generates a private key. Defaults: EC P-256; RSA 2048. */
export function generateKey(spec: KeySpec): KeyObject {
  switch (spec.kty) {
    case 'EC':
      return generateKeyPairSync('ec', { namedCurve: NODE_CURVE[spec.curve ?? 'P-256'] }).privateKey;
    case 'RSA': {
      const size = spec.size ?? 2048;
      if (size < 2048 || size > 8192) throw new RangeError(`RSA key size ${size} is outside 2048-8192`);
      return generateKeyPairSync('rsa', { modulusLength: size }).privateKey;
    }
    case 'OKP':
      return generateKeyPairSync('ed25519').privateKey;
  }
}

/** The DER SubjectPublicKeyInfo of a (private or public) key. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' });
}

/**
 * PBKDF2-HMAC-SHA256 iterations for keys at rest: OWASP's 2023 floor (OpenSSL's
 * export, and fedca before, used 2,048). About 0.15 s a key on a small VM, paid on
 * init and once per start; keys written with fewer iterations still load.
 */
export const KEY_AT_REST_ITERATIONS = 600_000;

/**
 * Private key as PKCS#8 PEM; with a password, an EncryptedPrivateKeyInfo (RFC 5958)
 * under PBES2 (PBKDF2-HMAC-SHA256 at `iterations`, AES-256-CBC), which OpenSSL reads.
 */
export function privateKeyPem(key: KeyObject, password?: string, iterations = KEY_AT_REST_ITERATIONS): string {
  const plain = key.export({ format: 'der', type: 'pkcs8' });
  if (password === undefined) return toPem(plain, 'PRIVATE KEY');
  const { algorithm, ciphertext } = pbes2Encrypt(plain, password, iterations);
  return toPem(sequence(algorithm, octetString(ciphertext)), 'ENCRYPTED PRIVATE KEY');
}

/** Thrown when a private key cannot be read: wrong password, or not a key. */
export class KeyDecryptError extends Error {
  readonly code = 'ERR_KEY_DECRYPT';
}

/** Reads a PEM private key, decrypting it with `password` when it is encrypted. */
export function readPrivateKey(pem: string, password?: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase: password });
  } catch {
    throw new KeyDecryptError(pem.includes('ENCRYPTED') ? 'cannot decrypt the private key (wrong password?)' : 'not a readable private key');
  }
}

/** Signs with an issuer key: the signature algorithm identifier and the sign function. */
export interface Signer {
  /** DER AlgorithmIdentifier of the signature (RFC 5280 §4.1.1.2). */
  readonly algorithm: Buffer;
  readonly key: KeyObject;
  sign(data: Buffer): Buffer;
}

/** Picks the signature algorithm that fits the key (SHA-2 size matched to the curve). */
export function createSigner(key: KeyObject): Signer {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const [hash, alg] = curve === 'secp384r1' ? ['sha384', OID.ecdsaWithSha384] : curve === 'secp521r1' ? ['sha512', OID.ecdsaWithSha512] : ['sha256', OID.ecdsaWithSha256];
    return { key, algorithm: sequence(oid(alg)), sign: (data) => cryptoSign(hash, data, key) };
  }
  if (type === 'rsa') {
    return { key, algorithm: sequence(oid(OID.sha256WithRsa), nullValue()), sign: (data) => cryptoSign('sha256', data, key) };
  }
  if (type === 'ed25519') {
    return { key, algorithm: sequence(oid(OID.ed25519)), sign: (data) => cryptoSign(null, data, key) };
  }
  throw new Error(`no signature algorithm for key type ${type ?? 'unknown'}`);
}
