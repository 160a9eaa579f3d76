import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { Unauthorized } from '../errors.js';

/** The JOSE header members fedca reads. */
export interface JwsHeader {
  readonly alg: string;
  readonly kid?: string;
  readonly typ?: string;
  /** Certificate chain (base64 DER, leaf first), as renew tokens carry it. */
  readonly x5c?: readonly string[];
}

/** A compact JWS split into its parts; the signature is not checked yet. */
export interface DecodedJws {
  readonly header: JwsHeader;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly signingInput: Buffer;
  readonly signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodeJson(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part)) throw new Unauthorized(`invalid token: malformed ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Unauthorized(`invalid token: malformed ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Unauthorized(`invalid token: malformed ${what}`);
  return value as Record<string, unknown>;
}

/**
 * Splits a compact JWS (RFC 7515). Throws Unauthorized when it is not one. The
 * claims are decoded when first read, which callers do after the signature
 * verified: a stranger's token with a quarter megabyte of claims costs a hash,
 * not a JSON parse (Unauthorized then, if they are malformed).
 */
export function decodeJws(token: string): DecodedJws {
  const parts = token.split('.', 4);
  if (parts.length !== 3) throw new Unauthorized('invalid token: not a compact JWS');
  const header = decodeJson(parts[0], 'header');
  if (typeof header.alg !== 'string') throw new Unauthorized('invalid token: header has no alg');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new Unauthorized('invalid token: malformed kid');
  if (header.x5c !== undefined && (!Array.isArray(header.x5c) || header.x5c.some((c) => typeof c !== 'string'))) throw new Unauthorized('invalid token: malformed x5c');
  if (!B64URL.test(parts[1])) throw new Unauthorized('invalid token: malformed claims');
  if (!B64URL.test(parts[2])) throw new Unauthorized('invalid token: malformed signature');
  let claims: Record<string, unknown> | undefined;
  return {
    header: header as unknown as JwsHeader,
    get claims() {
      claims ??= decodeJson(parts[1], 'claims');
      return claims;
    },
    signingInput: Buffer.from(`${parts[0]}.${parts[1]}`, 'latin1'),
    signature: Buffer.from(parts[2], 'base64url'),
  };
}

type Check = { hash: string | null; keyType: string; curve?: string; pss?: number; p1363?: boolean };

const ALGORITHMS: Record<string, Check> = {
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1', p1363: true },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1', p1363: true },
  ES512: { hash: 'sha512', keyType: 'ec', curve: 'secp521r1', p1363: true },
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pss: 32 },
  PS384: { hash: 'sha384', keyType: 'rsa', pss: 48 },
  PS512: { hash: 'sha512', keyType: 'rsa', pss: 64 },
  EdDSA: { hash: null, keyType: 'ed25519' },
};

/**
 * Verifies a JWS signature with `key` using node:crypto directly (the sign path's
 * hot spot: about half the cost of a general JOSE library). The header's alg must
 * fit the key: an ES256 header with an RSA key is refused, not tried.
 */
export function verifyJws(jws: DecodedJws, key: KeyObject): boolean {
  const check = ALGORITHMS[jws.header.alg];
  if (!check || key.asymmetricKeyType !== check.keyType) return false;
  if (check.curve && key.asymmetricKeyDetails?.namedCurve !== check.curve) return false;
  try {
    if (check.pss) return cryptoVerify(check.hash, jws.signingInput, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: check.pss }, jws.signature);
    if (check.p1363) return cryptoVerify(check.hash, jws.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
    return cryptoVerify(check.hash, jws.signingInput, key, jws.signature);
  } catch {
    return false;
  }
}
