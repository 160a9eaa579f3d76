import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { ProvisionerConfig } from '../../src/config/caConfig.js';
import { createIssuer } from '../../src/pki/issuer.js';
import { classifySans } from '../../src/pki/extensions.js';
import { generateKey, privateKeyPem, spkiDer, type KeyType } from '../../src/pki/keys.js';
import { OID } from '../../src/pki/oids.js';
import { toPem } from '../../src/pki/pem.js';
import { issueIntermediate, issueLeaf, issueRoot } from '../../src/pki/profiles.js';

/** A root certificate (DER) of a CA named `name`, as another CA's init would make it. */
export function otherRoot(name: string, kty: KeyType = 'EC'): Buffer {
  return issueRoot(name, generateKey({ kty }));
}

/** A root and an intermediate under it, with the keys, in PEM and DER. */
export function rootAndIntermediate(name: string, kty: KeyType = 'EC'): { rootDer: Buffer; intermediateDer: Buffer; rootPem: string; intermediatePem: string } {
  const rootKey = generateKey({ kty });
  const rootDer = issueRoot(name, rootKey);
  const intermediateDer = issueIntermediate(name, generateKey({ kty }), createIssuer(rootDer, rootKey));
  return { rootDer, intermediateDer, rootPem: toPem(rootDer), intermediatePem: toPem(intermediateDer) };
}

/**
 * A JWK provisioner entry with a real public key but no encrypted key: cheap
 * enough to configure a hundred of them (no PBES2 key derivation).
 */
export async function publicOnlyProvisioner(name: string): Promise<ProvisionerConfig> {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { type: 'JWK', name, key: { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y, kid, use: 'sig', alg: 'ES256' } };
}

/** A client certificate (CN=`commonName`) and its key in PEM, issued by a throwaway CA. */
export function clientCertificate(commonName: string): { certPem: string; keyPem: string } {
  const caKey = generateKey({ kty: 'EC' });
  const issuer = createIssuer(issueRoot('Client Issuer', caKey), caKey);
  const key = generateKey({ kty: 'EC' });
  const now = Date.now();
  const der = issueLeaf(
    { commonName, sans: classifySans([]), publicKey: spkiDer(key), notBefore: new Date(now - 60_000), notAfter: new Date(now + 3600_000), extKeyUsages: [OID.clientAuth] },
    issuer,
  );
  return { certPem: toPem(der), keyPem: privateKeyPem(key) };
}
