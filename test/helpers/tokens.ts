import { createPrivateKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactDecrypt, SignJWT, type JWTPayload } from 'jose';
import type { CaEndpoint } from './testCa.js';

/** The decrypted key of a test CA's first provisioner. */
export interface ProvisionerKey {
  readonly name: string;
  readonly kid: string;
  readonly key: KeyObject;
}

/** Decrypts the `admin` provisioner's JWE from the test CA's config with its password. */
export async function provisionerKey(ca: CaEndpoint, name = 'admin'): Promise<ProvisionerKey> {
  const config = JSON.parse(readFileSync(join(ca.home, 'config/ca.json'), 'utf8')) as {
    authority: { provisioners: { name: string; key: { kid: string }; encryptedKey: string }[] };
  };
  const p = config.authority.provisioners.find((x) => x.name === name);
  if (!p) throw new Error(`no provisioner ${name}`);
  const { plaintext } = await compactDecrypt(p.encryptedKey, new TextEncoder().encode(ca.password), {
    keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
    maxPBES2Count: 1_000_000,
  });
  const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JsonWebKey;
  return { name, kid: p.key.kid, key: createPrivateKey({ key: jwk, format: 'jwk' }) };
}

/** Signs arbitrary claims as a JWT with the given key (ES256 unless `alg` says otherwise). */
export async function signClaims(key: KeyObject, kid: string, claims: JWTPayload, alg = 'ES256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
}

/** Claims of a good sign token for `sub`, overridable field by field. */
export function signClaimsFor(ca: CaEndpoint, p: ProvisionerKey, sub: string, overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: p.name,
    sub,
    aud: `${ca.url}/1.0/sign`,
    sans: [sub],
    sha: ca.rootFingerprint,
    jti: randomBytes(16).toString('hex'),
    iat: now,
    nbf: now,
    exp: now + 300,
    ...overrides,
  };
}

/** A good sign token for `sub` (with `sans`, default [sub]). */
export async function signToken(ca: CaEndpoint, p: ProvisionerKey, sub: string, overrides: JWTPayload = {}): Promise<string> {
  return signClaims(p.key, p.kid, signClaimsFor(ca, p, sub, overrides));
}
