import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { commonName, parseClientCertificate, type ClientCertificate } from './clientCertificate.js';
import { jwsAlgorithmOfKey } from '../pki/jwsAlgorithms.js';
import { timeClaims } from './tokenClaims.js';

/** Who signs renew tokens, as step's client names itself (api.md: `iss`). */
export const RENEW_TOKEN_ISSUER = 'step-ca-client/1.0';

/** The JWS algorithm a certificate key signs with; TypeError for a key that cannot sign a renew token. */
function jwsAlgorithm(key: KeyObject): string {
  const alg = jwsAlgorithmOfKey(key);
  if (!alg) throw new TypeError(`a ${key.asymmetricKeyType ?? 'unknown'} key cannot sign a renew token`);
  return alg;
}

/**
 * A renew token (api.md): a JWS signed by the certificate's own key, with the
 * chain (leaf first, base64 DER) in its `x5c` header; claims `sub` = the leaf's
 * common name, `aud` = `<caUrl>/1.0/renew`, `iss` = `step-ca-client/1.0`, a
 * random `jti`, `iat` = `nbf` = now, `exp` = now + 5 minutes.
 * `caUrl` is the CA URL without a trailing slash (CaClient.caUrl).
 * Throws TypeError for a certificate and key that do not belong together.
 */
export async function createRenewToken(credentials: ClientCertificate, caUrl: string, now = new Date()): Promise<string> {
  const { chain, leaf, key } = parseClientCertificate(credentials);
  const alg = jwsAlgorithm(key);
  return new SignJWT({
    sub: commonName(leaf),
    aud: `${caUrl}/1.0/renew`,
    iss: RENEW_TOKEN_ISSUER,
    ...timeClaims(undefined, now),
  })
    .setProtectedHeader({ alg, typ: 'JWT', x5c: chain.map((c) => c.raw.toString('base64')) })
    .sign(key);
}
