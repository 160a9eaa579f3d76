import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCsr } from '../src/pki/csrBuilder.js';
import { generateKey } from '../src/pki/keys.js';
import { toPem } from '../src/pki/pem.js';
import { CaClient } from '../src/sdk/caClient.js';
import { CaError } from '../src/sdk/errors.js';
import { Provisioner } from '../src/sdk/provisioner.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

describe('CaClient.sign with a Provisioner token (needs /sign)', () => {
  let ca: TestCa;
  let client: CaClient;
  let provisioner: Provisioner;
  before(async () => {
    ca = await startTestCa();
    client = await CaClient.bootstrap(ca.url, ca.rootFingerprint);
    provisioner = await Provisioner.load(client, { name: 'admin' }, ca.password);
  });
  after(async () => {
    client.close();
    await ca.stop();
  });

  const csrPem = (cn: string, sans: string[]): string => toPem(createCsr(generateKey({ kty: 'EC' }), cn, sans), 'CERTIFICATE REQUEST');

  it('issues a leaf for the token subject and SANs, chained to the root', async () => {
    const sans = ['svc.example', '127.0.0.1'];
    const signed = await client.sign({ csrPem: csrPem('svc.example', sans), ott: await provisioner.token('svc.example', { sans }), notAfter: '1h' });
    assert.deepEqual(signed.certChain, [signed.crt, signed.ca]);
    const leaf = new X509Certificate(signed.crt);
    const intermediate = new X509Certificate(signed.ca);
    const root = new X509Certificate(ca.rootPem);
    assert.match(leaf.subject, /CN=svc\.example/);
    assert.match(leaf.subjectAltName ?? '', /DNS:svc\.example/);
    assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(leaf.verify(intermediate.publicKey) && intermediate.verify(root.publicKey));
    assert.equal(leaf.ca, false);
    const lifetime = Date.parse(leaf.validTo) - Date.parse(leaf.validFrom);
    assert.ok(lifetime > 3600_000 - 120_000 && lifetime <= 3600_000 + 120_000, `about 1h, got ${lifetime} ms`);
  });

  it('a token used twice is refused with the CA status, code and message', async () => {
    const ott = await provisioner.token('once.example');
    await client.sign({ csrPem: csrPem('once.example', ['once.example']), ott });
    await assert.rejects(client.sign({ csrPem: csrPem('once.example', ['once.example']), ott }), (err: Error) => {
      assert.ok(err instanceof CaError);
      assert.equal(err.status, 401);
      assert.equal(err.serverCode, 'ERR_UNAUTHORIZED');
      assert.match(err.serverMessage, /already used/);
      return true;
    });
  });

  it('a revoke token is not a sign token', async () => {
    const ott = await provisioner.revokeToken('1');
    await assert.rejects(client.sign({ csrPem: csrPem('x.example', ['x.example']), ott }), (err: Error) => err instanceof CaError && err.status === 401);
  });
});
