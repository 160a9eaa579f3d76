import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { children, readInteger, readOid, readRoot } from './der.js';
import { NODE_KEY_TYPE, type KeyType } from './keys.js';
import { OID } from './oids.js';

/** node:crypto's name of each digest algorithm, by OID. */
export const DIGEST_OF_OID: Readonly<Record<string, string>> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** Key types, as JWK's `kty` names them. */
export type SignatureKeyType = KeyType;

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

const SCHEME_NAMES: Readonly<Record<SignatureKeyType, string>> = { EC: 'ECDSA', RSA: 'RSASSA-PKCS1-v1_5', OKP: 'Ed25519' };

/** A signature algorithm (dotted OID) as people name it ("ECDSA with SHA-256", "Ed25519", "RSASSA-PSS"); the OID when fedca does not know it. */
export function signatureAlgorithmName(algorithm: string): string {
  if (algorithm === OID.rsassaPss) return 'RSASSA-PSS';
  const known = SIGNATURE_ALGORITHMS[algorithm];
  if (!known) return algorithm;
  const scheme = SCHEME_NAMES[known.keyType];
  return known.digest ? `${scheme} with ${known.digest.toUpperCase().replace(/^SHA/, 'SHA-')}` : scheme;
}

/** The key type a signature algorithm (dotted OID) needs; RSASSA-PSS counts as RSA; undefined when unsupported. */
export function signatureKeyType(algorithm: string): SignatureKeyType | undefined {
  return algorithm === OID.rsassaPss ? 'RSA' : SIGNATURE_ALGORITHMS[algorithm]?.keyType;
}

/** RSASSA-PSS parameters (RFC 4055): SHA-2 hash and salt length; absent (SHA-1 defaults) or SHA-1 → undefined. */
function pssParams(params: Buffer | undefined): { hash: string; saltLength: number } | undefined {
  if (!params) return undefined;
  let hash: string | undefined;
  let saltLength = 20;
  for (const field of children(params, readRoot(params))) {
    if (field.tag === 0xa0) hash = DIGEST_OF_OID[readOid(params, children(params, children(params, field)[0])[0])];
    else if (field.tag === 0xa2) saltLength = Number(readInteger(params, children(params, field)[0]));
  }
  return hash && hash !== 'sha1' ? { hash, saltLength } : undefined;
}

/**
 * True when `signature` over `data` verifies with `key` under the signature
 * algorithm `algorithm` (dotted OID; ECDSA, RSA PKCS#1 v1.5 or RSASSA-PSS with SHA-2
 * — PSS reads its `params`, the DER AlgorithmIdentifier parameters — or Ed25519).
 * False for a bad signature, a key of the wrong type, or an algorithm outside that list.
 */
export function verifySignature(algorithm: string, data: Buffer, key: KeyObject, signature: Buffer, params?: Buffer): boolean {
  try {
    if (algorithm === OID.rsassaPss) {
      const pss = key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss' ? pssParams(params) : undefined;
      return pss !== undefined && cryptoVerify(pss.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss.saltLength }, signature);
    }
    const known = SIGNATURE_ALGORITHMS[algorithm];
    if (!known || key.asymmetricKeyType !== NODE_KEY_TYPE[known.keyType]) return false;
    return cryptoVerify(known.digest, data, key, signature);
  } catch {
    return false;
  }
}
