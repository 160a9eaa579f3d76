import { createPublicKey, KeyObject, webcrypto, type JsonWebKey } from 'node:crypto';
import { curveOfOid } from './curves.js';
import { children, contents, readBitString, readOid, readRoot, Tag } from './der.js';
import { DerError } from './errors.js';
import { OID } from './oids.js';

/** What a SubjectPublicKeyInfo holds, read without OpenSSL's (slow) decoders. */
export interface SpkiKey {
  readonly kty: 'EC' | 'RSA' | 'OKP' | 'other';
  /** P-256 / P-384 / P-521 for EC, Ed25519 for OKP. */
  readonly curve?: string;
  /** RSA modulus size in bits. */
  readonly bits?: number;
  /** The key as a JWK, when it can be written as one; else undefined. */
  readonly jwk?: JsonWebKey;
  /** An EC key's uncompressed point (0x04 ‖ x ‖ y), when it is one on a known curve. */
  readonly point?: Buffer;
  /** The algorithm OID, to name keys fedca does not take (DSA, ...). */
  readonly algorithm: string;
}


/** OpenSSL's own ceilings: no RSA modulus over 16384 bits, no public exponent over 64 bits. */
export const RSA_MAX_MODULUS_BITS = 16384;
export const RSA_MAX_EXPONENT_BITS = 64;

const stripZeros = (b: Buffer): Buffer => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

const bitLength = (magnitude: Buffer): number => (magnitude.length === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(magnitude[0])));

/** Reads an SPKI's algorithm and key material. Throws DerError when it is malformed. */
export function readSpki(spki: Buffer): SpkiKey {
  const [algEl, keyEl] = children(spki, readRoot(spki));
  const [algOidEl, paramEl] = children(spki, algEl);
  const algorithm = readOid(spki, algOidEl);
  const key = readBitString(spki, keyEl);
  if (algorithm === OID.ecPublicKey && paramEl?.tag === Tag.OID) {
    const curve = curveOfOid(readOid(spki, paramEl));
    if (!curve) return { kty: 'EC', curve: readOid(spki, paramEl), algorithm };
    const uncompressed = key.length === 1 + 2 * curve.size && key[0] === 0x04;
    const jwk = uncompressed
      ? { kty: 'EC', crv: curve.name, x: key.subarray(1, 1 + curve.size).toString('base64url'), y: key.subarray(1 + curve.size).toString('base64url') }
      : undefined;
    return { kty: 'EC', curve: curve.name, jwk, point: uncompressed ? key : undefined, algorithm };
  }
  if (algorithm === OID.rsaEncryption) {
    const [nEl, eEl] = children(key, readRoot(key));
    if (nEl?.tag !== Tag.INTEGER || eEl?.tag !== Tag.INTEGER) throw new DerError('RSA public key is not two INTEGERs');
    const n = stripZeros(contents(key, nEl));
    const e = stripZeros(contents(key, eEl));
    // Verifying costs grow with both: refused before any arithmetic, as OpenSSL refuses them.
    if (bitLength(n) > RSA_MAX_MODULUS_BITS) throw new DerError(`RSA modulus of ${bitLength(n)} bits is larger than any key fedca reads (${RSA_MAX_MODULUS_BITS})`);
    if (bitLength(e) > RSA_MAX_EXPONENT_BITS) throw new DerError(`RSA public exponent of ${bitLength(e)} bits is larger than ${RSA_MAX_EXPONENT_BITS}`);
    return { kty: 'RSA', bits: bitLength(n), jwk: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, algorithm };
  }
  if (algorithm === OID.ed25519 && key.length === 32) {
    return { kty: 'OKP', curve: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') }, algorithm };
  }
  return { kty: 'other', algorithm };
}

/**
 * Imports an SPKI as a node KeyObject. Goes through JWK when it can: OpenSSL 3's
 * SPKI decoder costs 60–100 µs a key, the JWK path 5–45 µs, with the same checks
 * (an EC point off its curve is refused either way).
 */
export function importSpki(spki: Buffer, parsed = readSpki(spki)): KeyObject {
  if (parsed.jwk) return createPublicKey({ key: parsed.jwk, format: 'jwk' });
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/**
 * Imports an SPKI as a node KeyObject to verify with, the cheapest safe way: an EC
 * point through WebCrypto's raw import, which refuses a point off its curve (all
 * fedca's curves have cofactor 1, so that is the whole check), every other key as
 * importSpki does. The JWK path also multiplies the point by the group order, and
 * OpenSSL then converts the key again on its first use: measured 2026-11-28, a fresh
 * P-256 key imported and used for one verification cost 154 µs this way against
 * 195 µs through JWK (the verification alone 84–94 µs).
 */
export async function importVerifyingKey(spki: Buffer, parsed = readSpki(spki)): Promise<KeyObject> {
  if (parsed.kty !== 'EC' || parsed.point === undefined || parsed.curve === undefined) return importSpki(spki, parsed);
  return KeyObject.from(await webcrypto.subtle.importKey('raw', parsed.point, { name: 'ECDSA', namedCurve: parsed.curve }, true, ['verify']));
}
