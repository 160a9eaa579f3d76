import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { JwkProvisionerConfig } from '../../src/provisioners/jwk.js';
import { generateKey, type KeyType } from '../../src/pki/keys.js';
import { issueRoot } from '../../src/pki/issueCertificate.js';

/** A root certificate (DER) of a CA named `name`, as another CA's init would make it. */
export function otherRoot(name: string, kty: KeyType = 'EC'): Buffer {
  return issueRoot(name, generateKey({ kty }));
}

/**
 * A JWK provisioner entry with a real public key but no encrypted key: cheap
 * enough to configure a hundred of them (no PBES2 key derivation).
 */
export async function publicOnlyProvisioner(name: string): Promise<JwkProvisionerConfig> {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { type: 'JWK', name, key: { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y, kid, use: 'sig', alg: 'ES256' } };
}
