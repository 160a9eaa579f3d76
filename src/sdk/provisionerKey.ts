import { calculateJwkThumbprint, compactDecrypt, errors, importJWK, type CryptoKey, type JWK } from 'jose';
import { defaultJwsAlgorithm, JWS_ALGORITHMS } from '../pki/jwsAlgorithms.js';
import { ProvisionerError } from './errors.js';

/** A provisioner's private key, ready to sign tokens. */
export interface ProvisionerSigningKey {
  readonly key: CryptoKey;
  /** The JWS `alg` the key signs with (ES256, ES384, ES512, RS256, PS256 or EdDSA). */
  readonly alg: string;
  /** The key id tokens carry in their header: the key's RFC 7638 thumbprint. */
  readonly kid: string;
}

/** step's provisioner keys are wrapped with PBES2 at 100 000 iterations; allow ten times that, no more. */
const MAX_PBES2_COUNT = 1_000_000;

/** The JWS algorithm of a JWK: its `alg`, else the one its type and curve imply; one the CA verifies. */
function signingAlg(jwk: JWK): string {
  const alg = jwk.alg ?? defaultJwsAlgorithm(jwk.kty, jwk.crv);
  if (!alg || !Object.hasOwn(JWS_ALGORITHMS, alg)) throw new ProvisionerError(`the provisioner key's algorithm ${alg ?? `(${jwk.kty ?? '?'} ${jwk.crv ?? ''})`} cannot sign tokens`);
  return alg;
}

/**
 * Decrypts a provisioner's private key: a compact JWE (`PBES2-HS256+A128KW`,
 * `A128GCM` or `A256GCM`, `cty: jwk+json`) of a private JWK, with the
 * provisioner password. When `expectedKid` is given the key's thumbprint must
 * equal it. Throws ProvisionerError ("cannot decrypt the provisioner key: wrong
 * password?" for a wrong password) when the key cannot be used.
 */
export async function decryptProvisionerKey(jwe: string, password: string, expectedKid?: string): Promise<ProvisionerSigningKey> {
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, new TextEncoder().encode(password), {
      keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
      contentEncryptionAlgorithms: ['A128GCM', 'A256GCM'],
      maxPBES2Count: MAX_PBES2_COUNT,
    }));
  } catch (err) {
    if (err instanceof errors.JWEDecryptionFailed) throw new ProvisionerError('cannot decrypt the provisioner key: wrong password?');
    throw new ProvisionerError(`cannot decrypt the provisioner key: ${(err as Error).message}`);
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
  } catch {
    throw new ProvisionerError('the decrypted provisioner key is not a JWK');
  }
  if (jwk === null || typeof jwk !== 'object' || typeof jwk.kty !== 'string') throw new ProvisionerError('the decrypted provisioner key is not a JWK');
  if (jwk.d === undefined) throw new ProvisionerError('the decrypted provisioner key has no private part');
  const alg = signingAlg(jwk);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  if (expectedKid !== undefined && kid !== expectedKid && jwk.kid !== expectedKid) {
    throw new ProvisionerError(`the decrypted provisioner key is not the provisioner's key (kid ${expectedKid})`);
  }
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK({ ...jwk, ext: false }, alg);
  } catch (err) {
    throw new ProvisionerError(`the provisioner key cannot be imported: ${(err as Error).message}`);
  }
  if (key instanceof Uint8Array) throw new ProvisionerError('the provisioner key is a symmetric key');
  return { key, alg, kid: expectedKid ?? jwk.kid ?? kid };
}
