/** One-time JWK provisioner tokens, minted in bulk for load (both fedca and step-ca accept them). */
import { createPrivateKey, randomBytes, sign as cryptoSign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactDecrypt } from 'jose';

export interface BenchProvisioner {
  readonly name: string;
  readonly kid: string;
  readonly key: KeyObject;
}

/** The first provisioner of a fedca home, its private key decrypted with the CA password. */
export async function loadProvisioner(home: string, password: string): Promise<BenchProvisioner> {
  const config = JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')) as { authority: { provisioners: { name: string; key: { kid: string }; encryptedKey: string }[] } };
  const p = config.authority.provisioners[0];
  const { plaintext } = await compactDecrypt(p.encryptedKey, new TextEncoder().encode(password), { keyManagementAlgorithms: ['PBES2-HS256+A128KW'], maxPBES2Count: 1_000_000 });
  return { name: p.name, kid: p.key.kid, key: createPrivateKey({ key: JSON.parse(new TextDecoder().decode(plaintext)) as JsonWebKey, format: 'jwk' }) };
}

/** Sign tokens for `subject` (and `sans`, default [subject]), each with its own jti, signed with node:crypto directly (fast enough for tens of thousands). */
export function mintTokens(p: BenchProvisioner, aud: string, subject: string, count: number, sans: readonly string[] = [subject]): string[] {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: p.kid, typ: 'JWT' })).toString('base64url');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const claims = { iss: p.name, sub: subject, aud, sans, jti: randomBytes(16).toString('hex'), iat: now, nbf: now, exp: now + 3600 };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    out.push(`${input}.${cryptoSign('sha256', Buffer.from(input), { key: p.key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`);
  }
  return out;
}
