import { createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { issueRoot } from '../../src/pki/issueCertificate.js';
import { generateKey } from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { miniPki } from './miniPki.js';
import { tempDir } from './testCa.js';

/**
 * Stand-ins for what the clouds sign with, made by the tests: AWS's instance
 * identity certificate, Google's and Microsoft's key sets (an OpenID configuration
 * and JWKS on https://127.0.0.1), and a cluster's service-account key.
 */

/** An instance identity document as AWS writes it (the members fedca reads, and a few more). */
export interface TestInstanceDocument {
  readonly accountId: string;
  readonly instanceId: string;
  readonly privateIp: string;
  readonly region: string;
  readonly pendingTime: string;
  readonly availabilityZone?: string;
  readonly instanceType?: string;
}

/** An RSA key and a certificate for it in the form AWS publishes (iidRoots): what signs test instance identity documents. */
export interface AwsIdentitySigner {
  readonly certificatePem: string;
  /** The document as the metadata service serves it and its signature (base64, as /signature serves it). */
  sign(document: TestInstanceDocument): { document: string; signature: string };
}

/** Makes an AWS identity signer (RSA 2048, SHA256-RSA signatures as AWS's). */
export function awsIdentitySigner(): AwsIdentitySigner {
  const key = generateKey({ kty: 'RSA', size: 2048 });
  const certificatePem = toPem(issueRoot('AWS stand-in', key));
  return {
    certificatePem,
    sign(document) {
      const text = JSON.stringify(document, null, 2);
      return { document: text, signature: sign('sha256', Buffer.from(text), key).toString('base64') };
    },
  };
}

/** A test EC2 instance's document: account 111122223333, launched a minute ago unless told. */
export function instanceDocument(overrides: Partial<TestInstanceDocument> = {}): TestInstanceDocument {
  return {
    accountId: '111122223333',
    instanceId: `i-${randomBytes(8).toString('hex')}`,
    privateIp: '10.0.1.7',
    region: 'eu-west-1',
    availabilityZone: 'eu-west-1a',
    instanceType: 't3.micro',
    pendingTime: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...overrides,
  };
}

/** An identity provider's key set on https://127.0.0.1: discovery document and JWKS, and the key that signs its tokens. */
export interface TestKeySet {
  /** Its issuer, `https://127.0.0.1:PORT` (what fedca's `configurationEndpoint` names). */
  readonly issuer: string;
  /** The root its HTTPS certificate chains to, in a file (for `caBundle`). */
  readonly caFile: string;
  /** Signs a JWT with the key set's key (RS256, its kid), `iss` the issuer unless the claims say otherwise. */
  mint(claims: JWTPayload): Promise<string>;
  /** Signs a JWT with a key the set does not list, under the set's kid. */
  mintWithStrangerKey(claims: JWTPayload): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a key set (Google's or a tenant's stand-in) on a free 127.0.0.1 port. */
export async function startKeySet(name: string): Promise<TestKeySet> {
  const pki = miniPki(`${name} stand-in`);
  const identity = pki.serverIdentity(['127.0.0.1', 'localhost']);
  const dir = tempDir('fedca-keyset-');
  const caFile = join(dir, 'keyset-root.pem');
  writeFileSync(caFile, pki.rootPem);
  const key = generateKey({ kty: 'RSA', size: 2048 });
  const stranger = generateKey({ kty: 'RSA', size: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...(await exportJWK(createPublicKey(key))), kid, alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer({ key: identity.keyPem, cert: identity.chainPem }, (req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    const body = path === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/keys` } : path === '/keys' ? { keys: [jwk] } : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signWith = (signer: KeyObject, claims: JWTPayload): Promise<string> =>
    new SignJWT({ iss: issuer, ...claims }).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(signer);
  return {
    issuer,
    caFile,
    mint: (claims) => signWith(key, claims),
    mintWithStrangerKey: (claims) => signWith(stranger, claims),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A cluster's service-account signing key (RSA, as kube-apiserver's) and its public key, PEM. */
export interface ServiceAccountSigner {
  readonly publicKeyPem: string;
  /** A service-account token (RS256) with these claims. */
  mint(claims: JWTPayload): Promise<string>;
}

/** Makes a cluster's service-account key. */
export function serviceAccountSigner(): ServiceAccountSigner {
  const key = generateKey({ kty: 'RSA', size: 2048 });
  return {
    publicKeyPem: createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString(),
    mint: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'cluster-key' }).sign(key),
  };
}

/** The claims of a legacy service-account token secret of `name` in `namespace`. */
export const serviceAccountClaims = (namespace: string, name: string): JWTPayload => ({
  iss: 'kubernetes/serviceaccount',
  sub: `system:serviceaccount:${namespace}:${name}`,
  'kubernetes.io/serviceaccount/namespace': namespace,
  'kubernetes.io/serviceaccount/secret.name': `${name}-token-x1x2`,
  'kubernetes.io/serviceaccount/service-account.name': name,
  'kubernetes.io/serviceaccount/service-account.uid': randomBytes(16).toString('hex'),
});
