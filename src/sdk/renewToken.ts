import type { KeyObject, X509Certificate } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
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
  return signWithCertificate(credentials, (leaf) => ({ sub: commonName(leaf), aud: `${caUrl}/1.0/renew`, iss: RENEW_TOKEN_ISSUER }), now);
}

/** A JWS signed by a certificate's key with its chain in `x5c`, the claims given plus a random `jti` and 5 minutes of validity. */
async function signWithCertificate(credentials: ClientCertificate, claimsFor: (leaf: X509Certificate) => JWTPayload, now: Date): Promise<string> {
  const { chain, leaf, key } = parseClientCertificate(credentials);
  const alg = jwsAlgorithm(key);
  return new SignJWT({
    ...claimsFor(leaf),
    ...timeClaims({}, now),
  })
    .setProtectedHeader({ alg, typ: 'JWT', x5c: chain.map((c) => c.raw.toString('base64')) })
    .sign(key);
}

/** What an X5C sign token asks for. */
export interface X5cTokenOptions {
  /** The CA's X5C provisioner (its name: the token's `iss` and audience fragment `#x5c/NAME`). */
  readonly provisioner: string;
  /** The certificate's common name; names the certificate holds. */
  readonly subject: string;
  /** SANs (default `[subject]`): names the certificate holds. */
  readonly sans?: readonly string[];
  /** The certificate profile (`profile` claim). */
  readonly profile?: string;
}

/**
 * A sign token of an X5C provisioner, as step makes it (`--x5c-cert`, `--x5c-key`):
 * signed by a certificate's key with its chain in `x5c`, `iss` = the provisioner,
 * `aud` = `<caUrl>/1.0/sign#x5c/<provisioner>`, `sub` and `sans` the names asked for.
 * Throws TypeError for a certificate and key that do not belong together.
 */
export async function createX5cToken(credentials: ClientCertificate, caUrl: string, options: X5cTokenOptions, now = new Date()): Promise<string> {
  const sans = options.sans && options.sans.length > 0 ? [...options.sans] : [options.subject];
  return signWithCertificate(
    credentials,
    () => ({ iss: options.provisioner, sub: options.subject, sans, aud: `${caUrl}/1.0/sign#x5c/${options.provisioner}`, ...(options.profile ? { profile: options.profile } : {}) }),
    now,
  );
}
