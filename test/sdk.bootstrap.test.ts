import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { CaClient } from '../src/sdk/caClient.js';
import { BootstrapError } from '../src/sdk/errors.js';
import { verifyPresentedChain } from '../src/sdk/presentedChain.js';
import { fakeRootServer, miniPki, type MiniPki, type ServerIdentity } from './helpers/miniPki.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

const x509 = (der: Buffer): X509Certificate => new X509Certificate(der);

/** Bootstraps from a fake CA presenting `identity` and serving `rootPem`, asking for `fingerprint`. */
async function bootstrapFrom(identity: ServerIdentity, rootPem: string, fingerprint: string): Promise<CaClient> {
  const server = await fakeRootServer(identity, rootPem);
  try {
    const client = await CaClient.bootstrap(server.url, fingerprint);
    client.close();
    return client;
  } finally {
    await server.stop();
  }
}

describe('CaClient.bootstrap against a CA', () => {
  let ca: TestCa;
  before(async () => {
    ca = await startTestCa();
  });
  after(() => ca.stop());

  it('trusts the root when the fingerprint matches, then talks to the CA pinned to it', async () => {
    const client = await CaClient.bootstrap(ca.url, ca.rootFingerprint);
    try {
      assert.equal(client.rootPem, ca.rootPem);
      assert.equal(client.rootFingerprint, ca.rootFingerprint);
      assert.deepEqual(await client.health(), { status: 'ok' });
    } finally {
      client.close();
    }
  });

  it('accepts the fingerprint in upper case with colons', async () => {
    const spelled = ca.rootFingerprint.toUpperCase().match(/../g)?.join(':') ?? '';
    const client = await CaClient.bootstrap(ca.url, spelled);
    client.close();
    assert.equal(client.rootFingerprint, ca.rootFingerprint);
  });

  it('refuses a fingerprint the CA has no root for', async () => {
    await assert.rejects(CaClient.bootstrap(ca.url, 'ab'.repeat(32)), (err: Error) => err instanceof BootstrapError && /no root with fingerprint abab/.test(err.message));
  });

  it('refuses text that is not a fingerprint, before any request', async () => {
    await assert.rejects(CaClient.bootstrap(ca.url, 'not-hex'), /not a SHA-256 fingerprint/);
  });
});

describe('bootstrap refuses a server whose TLS chain does not lead to the root it serves', () => {
  let real: MiniPki;
  let rogue: MiniPki;
  before(() => {
    real = miniPki('Real');
    rogue = miniPki('Rogue');
  });

  it('a server presenting the real chain and serving the real root is trusted (control)', async () => {
    const client = await bootstrapFrom(real.serverIdentity(['localhost']), real.rootPem, real.rootFingerprint);
    assert.equal(client.rootPem, real.rootPem);
  });

  it('a server that serves the real root but presents another CA’s chain is refused', async () => {
    await assert.rejects(bootstrapFrom(rogue.serverIdentity(['localhost']), real.rootPem, real.rootFingerprint), (err: Error) => err instanceof BootstrapError && /does not lead to the root/.test(err.message));
  });

  it('a server that answers with a root other than the one asked for is refused', async () => {
    await assert.rejects(bootstrapFrom(rogue.serverIdentity(['localhost']), rogue.rootPem, real.rootFingerprint), (err: Error) => err instanceof BootstrapError && /has fingerprint .* not /.test(err.message));
  });

  it('a server whose certificate does not name the host is refused', async () => {
    await assert.rejects(bootstrapFrom(real.serverIdentity(['elsewhere.example']), real.rootPem, real.rootFingerprint), (err: Error) => err instanceof BootstrapError && /does not name localhost/.test(err.message));
  });
});

describe('verifyPresentedChain', () => {
  let pki: MiniPki;
  let other: MiniPki;
  before(() => {
    pki = miniPki('Chain');
    other = miniPki('Other');
  });

  it('accepts leaf + intermediate that chain to the root', () => {
    const id = pki.serverIdentity(['localhost']);
    verifyPresentedChain([x509(id.leafDer), x509(id.intermediateDer)], x509(pki.rootDer));
  });

  it('accepts a chain that also carries the root, and extra unrelated certificates', () => {
    const id = pki.serverIdentity(['localhost']);
    const stray = other.serverIdentity(['x']).intermediateDer;
    verifyPresentedChain([x509(id.leafDer), x509(stray), x509(id.intermediateDer), x509(pki.rootDer)], x509(pki.rootDer));
  });

  it('refuses a chain that leads to another root', () => {
    const id = pki.serverIdentity(['localhost']);
    assert.throws(() => verifyPresentedChain([x509(id.leafDer), x509(id.intermediateDer)], x509(other.rootDer)), BootstrapError);
  });

  it('refuses a leaf presented without its intermediate', () => {
    const id = pki.serverIdentity(['localhost']);
    assert.throws(() => verifyPresentedChain([x509(id.leafDer)], x509(pki.rootDer)), /does not lead to the root/);
  });

  it('refuses an intermediate of the same name but another key (signature, not just names)', () => {
    const id = pki.serverIdentity(['localhost']);
    const twin = miniPki('Chain').serverIdentity(['localhost']);
    assert.throws(() => verifyPresentedChain([x509(id.leafDer), x509(twin.intermediateDer)], x509(pki.rootDer)), BootstrapError);
  });

  it('refuses an expired server certificate', () => {
    const id = pki.serverIdentity(['localhost'], new Date(Date.now() - 3 * 24 * 3600 * 1000));
    assert.throws(() => verifyPresentedChain([x509(id.leafDer), x509(id.intermediateDer)], x509(pki.rootDer)), /outside its validity/);
  });

  it('refuses an empty chain', () => {
    assert.throws(() => verifyPresentedChain([], x509(pki.rootDer)), /no TLS certificate/);
  });
});
