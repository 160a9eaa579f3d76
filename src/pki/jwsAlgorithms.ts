import type { KeyObject } from 'node:crypto';
import { CURVES, curveNamed, curveOfNode, type Curve } from './curves.js';
import { keyTypeOf, type KeyType } from './keys.js';

/** What a JWS algorithm (RFC 7518) signs with: its digest (null: EdDSA hashes itself), key type, curve, RSASSA-PSS salt length. */
export interface JwsAlgorithm {
  readonly hash: string | null;
  readonly keyType: KeyType;
  readonly curve?: Curve;
  readonly pssSaltLength?: number;
}

/** The one table of JWS algorithms fedca verifies. */
export const JWS_ALGORITHMS: Readonly<Record<string, JwsAlgorithm>> = {
  ...Object.fromEntries(CURVES.map((curve) => [curve.jwsAlg, { hash: curve.hash, keyType: 'EC', curve }])),
  RS256: { hash: 'sha256', keyType: 'RSA' },
  RS384: { hash: 'sha384', keyType: 'RSA' },
  RS512: { hash: 'sha512', keyType: 'RSA' },
  PS256: { hash: 'sha256', keyType: 'RSA', pssSaltLength: 32 },
  PS384: { hash: 'sha384', keyType: 'RSA', pssSaltLength: 48 },
  PS512: { hash: 'sha512', keyType: 'RSA', pssSaltLength: 64 },
  EdDSA: { hash: null, keyType: 'OKP' },
};

/**
 * The JWS algorithm a key signs tokens with by default: ES256/384/512 by curve,
 * RS256 for RSA, EdDSA for Ed25519; undefined for a key that cannot sign a token.
 */
export function defaultJwsAlgorithm(kty: string | undefined, curve?: string): string | undefined {
  if (kty === 'EC') return curveNamed(curve)?.jwsAlg;
  if (kty === 'RSA') return 'RS256';
  return kty === 'OKP' && curve === 'Ed25519' ? 'EdDSA' : undefined;
}

/** defaultJwsAlgorithm of a node key. */
export function jwsAlgorithmOfKey(key: KeyObject): string | undefined {
  const kty = keyTypeOf(key);
  return defaultJwsAlgorithm(kty, kty === 'EC' ? curveOfNode(key.asymmetricKeyDetails?.namedCurve)?.name : kty === 'OKP' ? 'Ed25519' : undefined);
}
