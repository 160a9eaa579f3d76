import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { Unauthorized } from '../errors.js';
import { JWS_ALGORITHMS } from '../pki/jwsAlgorithms.js';
import { NODE_KEY_TYPE } from '../pki/keys.js';

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

/**
 * The token in compact form, its signature re-encoded: one string however the sender
 * padded the signature's last base64url character (so a token id taken from it cannot
 * be dodged by re-encoding), for libraries that verify compact JWTs.
 */
export const compactJws = (token: DecodedJws): string => `${token.signingInput.toString('latin1')}.${token.signature.toString('base64url')}`;

/**
 * Verifies a JWS signature with `key` using node:crypto directly (the sign path's
 * hot spot: about half the cost of a general JOSE library). The header's alg must
 * fit the key: an ES256 header with an RSA key is refused, not tried.
 */
export function verifyJws(jws: DecodedJws, key: KeyObject): boolean {
  const check = Object.hasOwn(JWS_ALGORITHMS, jws.header.alg) ? JWS_ALGORITHMS[jws.header.alg] : undefined;
  if (!check || key.asymmetricKeyType !== NODE_KEY_TYPE[check.keyType]) return false;
  if (check.curve && key.asymmetricKeyDetails?.namedCurve !== check.curve.nodeName) return false;
  try {
    if (check.pssSaltLength) return cryptoVerify(check.hash, jws.signingInput, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: check.pssSaltLength }, jws.signature);
    if (check.curve) return cryptoVerify(check.hash, jws.signingInput, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
    return cryptoVerify(check.hash, jws.signingInput, key, jws.signature);
  } catch {
    return false;
  }
}
