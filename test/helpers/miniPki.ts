import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { classifySans } from '../../src/pki/extensions.js';
import { createIssuer } from '../../src/pki/issuer.js';
import { fingerprint } from '../../src/pki/fingerprint.js';
import { generateKey, privateKeyPem, spkiDer } from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { issueIntermediate, issueLeaf, issueRoot } from '../../src/pki/issueCertificate.js';
import { OID } from '../../src/pki/oids.js';

/** A TLS server identity: key and chain (leaf first), PEM, and the leaf's DER. */
export interface ServerIdentity {
  readonly keyPem: string;
  readonly chainPem: string;
  readonly leafDer: Buffer;
  readonly intermediateDer: Buffer;
}

/** A throw-away root → intermediate PKI built with fedca's own pki functions, no CA server. */
export interface MiniPki {
  readonly rootDer: Buffer;
  readonly rootPem: string;
  readonly rootFingerprint: string;
  /** A server certificate for `names`, valid from `notBefore` (default: a minute ago) for a day. */
  serverIdentity(names: readonly string[], notBefore?: Date): ServerIdentity;
}

/** Makes a root and an intermediate named `name` (EC P-256 keys). */
export function miniPki(name: string): MiniPki {
  const rootKey = generateKey({ kty: 'EC' });
  const rootDer = issueRoot(name, rootKey);
  const intermediateKey = generateKey({ kty: 'EC' });
  const intermediateDer = issueIntermediate(name, intermediateKey, createIssuer(rootDer, rootKey));
  const intermediate = createIssuer(intermediateDer, intermediateKey);
  return {
    rootDer,
    rootPem: toPem(rootDer),
    rootFingerprint: fingerprint(rootDer),
    serverIdentity(names, notBefore = new Date(Date.now() - 60_000)) {
      const key = generateKey({ kty: 'EC' });
      const leafDer = issueLeaf(
        {
          commonName: names[0],
          sans: classifySans(names),
          publicKey: spkiDer(key),
          notBefore,
          notAfter: new Date(notBefore.getTime() + 24 * 3600 * 1000),
          extKeyUsages: [OID.serverAuth],
        },
        intermediate,
      );
      return { keyPem: privateKeyPem(key), chainPem: toPem(leafDer) + toPem(intermediateDer), leafDer, intermediateDer };
    },
  };
}

/** An HTTPS server on 127.0.0.1 presenting `identity` and answering every GET /root/... with `rootPem`. */
export interface FakeRootServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a server that claims to be a CA: it serves `rootPem` as any root, over TLS with `identity`. */
export async function fakeRootServer(identity: ServerIdentity, rootPem: string): Promise<FakeRootServer> {
  const server: Server = createServer({ key: identity.keyPem, cert: identity.chainPem }, (req, res) => {
    const ok = req.url?.startsWith('/root/');
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { ca: rootPem } : { status: 404, message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
