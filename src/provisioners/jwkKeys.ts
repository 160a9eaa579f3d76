import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, CompactEncrypt, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { JwkProvisionerConfig } from './jwk.js';

/** PBKDF2 iterations for the provisioner key's JWE, step's default. */
export const PBES2_COUNT = 100_000;

/** A new JWK provisioner: an ES256 key whose private half is a password-encrypted JWE. */
export async function newJwkProvisioner(name: string, password: string): Promise<JwkProvisionerConfig> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  const priv: JWK = { ...(await exportJWK(privateKey)), kid, use: 'sig', alg: 'ES256' };
  const encryptedKey = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(priv)))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: PBES2_COUNT, p2s: randomBytes(16) })
    .encrypt(new TextEncoder().encode(password));
  const key = { kty: pub.kty as string, crv: pub.crv, x: pub.x, y: pub.y, kid, use: 'sig', alg: 'ES256' };
  return { type: 'JWK', name, key, encryptedKey };
}
