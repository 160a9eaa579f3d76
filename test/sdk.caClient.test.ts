import assert from 'node:assert/strict';
import type { JwkProvisionerConfig } from '../src/provisioners/jwk.js';
import { pemDers } from '../src/pki/pem.js';
import { fingerprint } from '../src/pki/fingerprint.js';
import { newJwkProvisioner } from '../src/provisioners/jwkKeys.js';
import { CaClient } from '../src/sdk/caClient.js';
import { CaConnectionError, CaError } from '../src/sdk/errors.js';
import { miniPki } from './helpers/miniPki.js';
import { closedPort } from './helpers/ports.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

describe('CaClient', () => {
  let ca: TestCa;
  let client: CaClient;
  let second: JwkProvisionerConfig;
  before(async () => {
    second = await newJwkProvisioner('ops', 'ops-password');
    ca = await startTestCa({
      editConfig: (config) => {
        (config.authority as { provisioners: unknown[] }).provisioners.push(second);
      },
    });
    client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
  });
  after(async () => {
    client.close();
    await ca.stop();
  });

  it('health and version', async () => {
    assert.deepEqual(await client.health(), { status: 'ok' });
    const version = await client.version();
    assert.match(version.version, /^\d+\.\d+\.\d+/);
    assert.equal(version.requireClientAuthentication, false);
  });

  it('roots and federation list the CA root first, as PEM', async () => {
    const [root] = await client.roots();
    assert.equal(fingerprint(pemDers(root)[0]), ca.rootFingerprint);
    const federation = await client.federation();
    assert.equal(fingerprint(pemDers(federation[0])[0]), ca.rootFingerprint);
  });

  it('provisioners follows nextCursor across pages', async () => {
    const onePerPage = await client.provisioners(1);
    assert.deepEqual(onePerPage.map((p) => p.name).sort(), ['admin', 'ops']);
    const all = await client.provisioners();
    assert.deepEqual(all, onePerPage);
    const ops = all.find((p) => p.name === 'ops');
    assert.equal(ops?.type, 'JWK');
    assert.equal(ops?.key?.kid, second.key.kid);
  });

  it('encryptedKey returns the provisioner JWE; an unknown kid is a CaError 404 with the CA message', async () => {
    assert.equal(await client.encryptedKey(second.key.kid), second.encryptedKey);
    await assert.rejects(client.encryptedKey('no-such-kid'), (err: Error) => {
      assert.ok(err instanceof CaError);
      assert.equal(err.status, 404);
      assert.equal(err.serverCode, 'ERR_NOT_FOUND');
      assert.match(err.serverMessage, /no-such-kid/);
      return true;
    });
  });

  it('refuses a CA whose TLS certificate does not chain to the pinned root', async () => {
    const stranger = new CaClient({ caUrl: ca.url, rootPem: miniPki('Stranger').rootPem });
    try {
      await assert.rejects(stranger.health(), CaConnectionError);
    } finally {
      stranger.close();
    }
  });

  it('an unreachable CA is a CaConnectionError naming it', async () => {
    const port = await closedPort();
    const nowhere = new CaClient({ caUrl: `https://127.0.0.1:${port}`, rootPem: ca.rootPem });
    await assert.rejects(nowhere.health(), (err: Error) => err instanceof CaConnectionError && err.message.includes(`127.0.0.1:${port}`));
  });

  it('only https CA URLs, by the same rule as a federation peer\'s; a trailing slash is dropped', () => {
    assert.throws(() => new CaClient({ caUrl: 'http://localhost:1', rootPem: ca.rootPem }), (err: Error) => err instanceof TypeError && /^the CA URL must be an https URL, not http$/.test(err.message));
    assert.throws(() => new CaClient({ caUrl: 'https://user:secret@localhost:1', rootPem: ca.rootPem }), /^TypeError: the CA URL must not have a query, fragment or credentials$/);
    assert.throws(() => new CaClient({ caUrl: 'localhost:1', rootPem: ca.rootPem }), /the CA URL must be an https URL/);
    const c = new CaClient({ caUrl: `${ca.url}/`, rootPem: ca.rootPem });
    assert.equal(c.caUrl, ca.url);
    c.close();
  });
});
