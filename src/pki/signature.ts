import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { OID } from './oids.js';

/** Key types, as JWK's `kty` names them. */
export type SignatureKeyType = 'EC' | 'RSA' | 'OKP';

/** Each ECDSA / RSA PKCS#1 v1.5 / EdDSA signature algorithm: its digest (null: EdDSA hashes itself) and the key type it needs. */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, { readonly digest: string | null; readonly keyType: SignatureKeyType }>> = {
  [OID.ecdsaWithSha256]: { digest: 'sha256', keyType: 'EC' },
  [OID.ecdsaWithSha384]: { digest: 'sha384', keyType: 'EC' },
  [OID.ecdsaWithSha512]: { digest: 'sha512', keyType: 'EC' },
  [OID.sha256WithRsa]: { digest: 'sha256', keyType: 'RSA' },
  [OID.sha384WithRsa]: { digest: 'sha384', keyType: 'RSA' },
  [OID.sha512WithRsa]: { digest: 'sha512', keyType: 'RSA' },
  [OID.ed25519]: { digest: null, keyType: 'OKP' },
};

const NODE_KEY_TYPE: Readonly<Record<SignatureKeyType, string>> = { EC: 'ec', RSA: 'rsa', OKP: 'ed25519' };

/** The key type a signature algorithm (dotted OID) needs; RSASSA-PSS counts as RSA; undefined when unsupported. */
export function signatureKeyType(algorithm: string): SignatureKeyType | undefined {
  return algorithm === OID.rsassaPss ? 'RSA' : SIGNATURE_ALGORITHMS[algorithm]?.keyType;
}

/**
 * True when `signature` over `data` verifies with `key` under the signature
 * algorithm `algorithm` (dotted OID; ECDSA, RSA PKCS#1 v1.5 with SHA-2, Ed25519).
 * False for a bad signature, a key of the wrong type, or an algorithm outside that list.
 */
export function verifySignature(algorithm: string, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  const known = SIGNATURE_ALGORITHMS[algorithm];
  if (!known || key.asymmetricKeyType !== NODE_KEY_TYPE[known.keyType]) return false;
  try {
    return cryptoVerify(known.digest, data, key, signature);
  } catch {
    return false;
  }
}
