import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { OID } from './oids.js';

/** The digest each PKCS#1 v1.5 / ECDSA / EdDSA signature algorithm uses (null: none, EdDSA hashes itself). */
const DIGEST_OF_SIGNATURE: Readonly<Record<string, string | null>> = {
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
  [OID.sha256WithRsa]: 'sha256',
  [OID.sha384WithRsa]: 'sha384',
  [OID.sha512WithRsa]: 'sha512',
  [OID.ed25519]: null,
};

/**
 * True when `signature` over `data` verifies with `key` under the signature
 * algorithm `algorithm` (dotted OID; ECDSA, RSA PKCS#1 v1.5 with SHA-2, Ed25519).
 * False for a bad signature, a key of the wrong type, or an algorithm outside that list.
 */
export function verifySignature(algorithm: string, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  const digest = DIGEST_OF_SIGNATURE[algorithm];
  if (digest === undefined) return false;
  try {
    return cryptoVerify(digest, data, key, signature);
  } catch {
    return false;
  }
}
