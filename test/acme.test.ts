import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateIdOf } from '../src/authority/acme/certId.js';
import { ChallengeFailure } from '../src/authority/acme/challenges/failure.js';
import type { ChallengeAttempt } from '../src/authority/acme/challenges/validation.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { readProvisionerExtension, ProvisionerTypeCode } from '../src/pki/extensions.js';
import { OID } from '../src/pki/oids.js';
import { pemDers, toPem } from '../src/pki/pem.js';
import { parseCrl } from '../src/pki/readCrl.js';
import { acmeKey, externalAccountBinding, problemOf, signJws, TestAcmeClient } from './helpers/acmeClient.js';
import { opensslCsr } from './helpers/csr.js';
import { openssl } from './helpers/exec.js';
import { https, type HttpsResponse } from './helpers/https.js';
import { createTestSchema, requirePostgres, type TestSchema } from './helpers/postgres.js';
import { initTestHome, startTestCa, type TestCa } from './helpers/testCa.js';

/** The fake validator's rule: names starting with "good" pass, "bad" get the wrong answer, anything else never answers. */
const validated: ChallengeAttempt[] = [];
async function fakeValidator(request: ChallengeAttempt): Promise<void> {
  validated.push(request);
  if (request.identifier.value.startsWith('good') || request.identifier.type === 'ip') return;
  if (request.identifier.value.startsWith('bad')) throw new ChallengeFailure('incorrectResponse', 'the key authorization served does not match');
  throw new ChallengeFailure('connection', 'connection refused');
}

/** Asserts an RFC 7807 problem of ACME type `type` with `status`, its detail matching `detail`. */
function assertProblem(res: HttpsResponse, status: number, type: string, detail?: RegExp): void {
  assert.equal(res.status, status, res.body.toString());
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  const problem = problemOf(res);
  assert.equal(problem.type, `urn:ietf:params:acme:error:${type}`);
  assert.equal(problem.status, status);
  if (detail) assert.match(problem.detail, detail);
}

describe('ACME (RFC 8555) with an injected challenge validator', function () {
  this.timeout(60_000);
  let ca: TestCa;

  before(async () => {
    ca = await startTestCa({
      editConfig: (c) => {
        const authority = c.authority as { provisioners: Record<string, unknown>[] };
        authority.provisioners.push({ type: 'ACME', name: 'acme', allowLoopback: true, claims: { defaultTLSCertDuration: '12h' } });
        authority.provisioners.push({ type: 'ACME', name: 'eab', requireEAB: true, challenges: ['dns-01'] });
      },
      server: { acme: { validate: fakeValidator } },
    });
  });
  after(async () => {
    await ca?.stop();
  });

  const client = async (provisioner = 'acme'): Promise<TestAcmeClient> => new TestAcmeClient(ca, await acmeKey(), provisioner).load();
  const registered = async (provisioner = 'acme'): Promise<TestAcmeClient> => {
    const c = await client(provisioner);
    assert.equal((await c.register()).status, 201);
    return c;
  };

  /** Orders `names`, answers every challenge of `type`, waits for the validations; resolves the order URL and object. */
  async function validatedOrder(c: TestAcmeClient, names: string[], type = 'http-01'): Promise<{ url: string; order: Record<string, unknown> }> {
    const created = await c.newOrder(names);
    assert.equal(created.status, 201, created.body.toString());
    const url = String(created.headers.location);
    for (const authzUrl of created.json<{ authorizations: string[] }>().authorizations) {
      const authz = (await c.read(authzUrl)).json<{ challenges: { type: string; url: string }[] }>();
      const challenge = authz.challenges.find((ch) => ch.type === type) ?? authz.challenges[0];
      const res = await c.post(challenge.url, {});
      assert.equal(res.status, 200, res.body.toString());
    }
    await ca.server.acme.validations.idle();
    return { url, order: (await c.read(url)).json() };
  }

  /** A whole issuance: resolves the certificate chain (PEM) and the account client. */
  async function issue(names: string[], c?: TestAcmeClient): Promise<{ chain: string; client: TestAcmeClient; leaf: Buffer }> {
    const acme = c ?? (await registered());
    const { url, order } = await validatedOrder(acme, names);
    assert.equal(order.status, 'ready');
    const csr = opensslCsr('P-256', names[0].replace(/^ip:/, ''), names.map((n) => (n.startsWith('ip:') ? `IP:${n.slice(3)}` : `DNS:${n}`)));
    const done = await acme.finalize(String(order.finalize), csr.csrPem);
    assert.equal(done.status, 200, done.body.toString());
    const valid = (await acme.read(url)).json<{ status: string; certificate: string }>();
    assert.equal(valid.status, 'valid');
    const cert = await acme.read(valid.certificate);
    assert.equal(cert.status, 200);
    assert.match(String(cert.headers['content-type']), /^application\/pem-certificate-chain/);
    const chain = cert.body.toString();
    return { chain, client: acme, leaf: pemDers(chain)[0] };
  }

  it('serves the directory at /acme/<name>/directory and /1.0/acme/<name>/directory, with ARI and the EAB flag', async () => {
    for (const prefix of ['', '/1.0']) {
      const res = await https(ca, `${prefix}/acme/acme/directory`);
      assert.equal(res.status, 200);
      const dir = res.json<Record<string, unknown>>();
      const base = `https://127.0.0.1:${ca.port}${prefix}/acme/acme`;
      assert.deepEqual(dir, {
        newNonce: `${base}/new-nonce`,
        newAccount: `${base}/new-account`,
        newOrder: `${base}/new-order`,
        revokeCert: `${base}/revoke-cert`,
        keyChange: `${base}/key-change`,
        renewalInfo: `${base}/renewal-info`,
        meta: { externalAccountRequired: false },
      });
    }
    assert.deepEqual((await https(ca, '/acme/eab/directory')).json<{ meta: unknown }>().meta, { externalAccountRequired: true });
    assertProblem(await https(ca, '/acme/nobody/directory'), 404, 'malformed', /ACME provisioner "nobody" not found/);
    assertProblem(await https(ca, '/acme/admin/directory'), 404, 'malformed', /ACME provisioner "admin" not found/);
  });

  it('newNonce: HEAD 200 and GET 204, each with a fresh Replay-Nonce, no-store and the index link', async () => {
    const head = await https(ca, '/acme/acme/new-nonce', { method: 'HEAD' });
    const get = await https(ca, '/acme/acme/new-nonce');
    assert.equal(head.status, 200);
    assert.equal(get.status, 204);
    for (const res of [head, get]) {
      assert.match(String(res.headers['replay-nonce']), /^[A-Za-z0-9_-]{22}$/);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers.link, `<https://127.0.0.1:${ca.port}/acme/acme/directory>;rel="index"`);
    }
    assert.notEqual(head.headers['replay-nonce'], get.headers['replay-nonce']);
  });

  it('issues through the whole flow: account, order, challenges validated off the request path, finalize, chain download', async () => {
    const c = await client();
    const created = await c.register({ contact: ['mailto:ops@acme.test'] });
    assert.equal(created.status, 201);
    assert.match(c.accountUrl, new RegExp(`^https://127.0.0.1:${ca.port}/acme/acme/account/[A-Za-z0-9_-]+$`));
    assert.deepEqual(created.json<{ status: string; contact: string[] }>().contact, ['mailto:ops@acme.test']);
    const again = await c.register();
    assert.equal(again.status, 200, 'an existing key registers as its account');
    assert.equal(again.headers.location, c.accountUrl);

    const order = await c.newOrder(['good.acme.test', 'ip:10.1.2.3']);
    assert.equal(order.status, 201);
    const body = order.json<{ status: string; authorizations: string[]; finalize: string; identifiers: unknown }>();
    assert.equal(body.status, 'pending');
    assert.deepEqual(body.identifiers, [{ type: 'dns', value: 'good.acme.test' }, { type: 'ip', value: '10.1.2.3' }]);
    const ipAuthz = (await c.read(body.authorizations[1])).json<{ challenges: { type: string }[] }>();
    assert.deepEqual(ipAuthz.challenges.map((ch) => ch.type).sort(), ['http-01', 'tls-alpn-01'], 'an IP is not proven by dns-01');
    const authz = (await c.read(body.authorizations[0])).json<{ challenges: { type: string; url: string; token: string }[] }>();
    assert.deepEqual(authz.challenges.map((ch) => ch.type).sort(), ['dns-01', 'http-01', 'tls-alpn-01']);
    const http01 = authz.challenges.find((ch) => ch.type === 'http-01') as { url: string; token: string };
    const started = await c.post(http01.url, {});
    assert.equal(started.status, 200);
    assert.equal(started.json<{ status: string }>().status, 'processing');
    assert.equal(started.headers['retry-after'], '1');
    assert.equal(started.headers.link, `<https://127.0.0.1:${ca.port}/acme/acme/directory>;rel="index", <${body.authorizations[0]}>;rel="up"`);
    await ca.server.acme.validations.idle();
    const seen = validated.find((v) => v.token === http01.token);
    assert.ok(seen, 'the validator was not asked');
    assert.match(seen.keyAuthorization, new RegExp(`^${http01.token}\\.[A-Za-z0-9_-]{43}$`));
    assert.equal((await c.read(http01.url)).json<{ status: string }>().status, 'valid');
    assert.equal((await c.read(String(order.headers.location))).json<{ status: string }>().status, 'pending', 'one authorization is still pending');

    const { chain, leaf } = await issue(['good.acme.test', 'ip:10.1.2.3'], c);
    const dir = ca.home;
    writeFileSync(join(dir, 'chain.pem'), chain);
    writeFileSync(join(dir, 'leaf.pem'), `-----BEGIN CERTIFICATE-----\n${leaf.toString('base64')}\n-----END CERTIFICATE-----\n`);
    const verified = execFileSync('openssl', ['verify', '-CAfile', ca.rootFile, '-untrusted', join(dir, 'chain.pem'), join(dir, 'leaf.pem')]).toString();
    assert.match(verified, /leaf\.pem: OK/);
    const x509 = new X509Certificate(leaf);
    assert.equal(x509.subjectAltName, 'DNS:good.acme.test, IP Address:10.1.2.3');
    const hours = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 3_600_000;
    assert.ok(Math.abs(hours - 12) < 0.1, `the provisioner's 12h default was not applied (${hours} h)`);
    const ext = parseCertificate(leaf).extensions.find((e) => e.id === OID.stepProvisioner);
    assert.ok(ext);
    const ref = readProvisionerExtension(ext.value);
    assert.deepEqual(ref, { type: ProvisionerTypeCode.ACME, name: 'acme', credentialId: c.accountUrl.split('/').pop() });
    const stored = await ca.authority.store.certificate(BigInt(`0x${x509.serialNumber}`).toString(10));
    assert.equal(stored?.provisioner, 'acme');
    assert.deepEqual(stored?.der, leaf);
  });

  it('an unanswered or wrong challenge makes the authorization and the order invalid, with the problem; no certificate', async () => {
    const c = await registered();
    for (const [name, type] of [
      ['bad.acme.test', 'incorrectResponse'],
      ['silent.acme.test', 'connection'],
    ]) {
      const { url, order } = await validatedOrder(c, [name]);
      assert.equal(order.status, 'invalid');
      assert.equal((order.error as { type: string }).type, `urn:ietf:params:acme:error:${type}`);
      const authz = (await c.read((order.authorizations as string[])[0])).json<{ status: string; challenges: { status: string; error?: { type: string } }[] }>();
      assert.equal(authz.status, 'invalid');
      const failed = authz.challenges.find((ch) => ch.status === 'invalid');
      assert.equal(failed?.error?.type, `urn:ietf:params:acme:error:${type}`);
      const csr = opensslCsr('P-256', name, [`DNS:${name}`]);
      assertProblem(await c.finalize(String(order.finalize), csr.csrPem), 400, 'orderNotReady', /order is invalid/);
      assert.equal((await c.read(url)).json<{ certificate?: string }>().certificate, undefined);
    }
  });

  it('finalize refuses a CSR naming an identifier the order does not (badCSR), and one missing an identifier', async () => {
    const c = await registered();
    const { order } = await validatedOrder(c, ['good-one.acme.test']);
    assertProblem(await c.finalize(String(order.finalize), opensslCsr('P-256', 'good-one.acme.test', ['DNS:good-one.acme.test', 'DNS:other.acme.test']).csrPem), 400, 'badCSR', /other\.acme\.test.*which the order does not/);
    assertProblem(await c.finalize(String(order.finalize), opensslCsr('P-256', 'evil.acme.test', ['DNS:good-one.acme.test']).csrPem), 400, 'badCSR', /evil\.acme\.test/);
    const { order: two } = await validatedOrder(c, ['good-a.acme.test', 'good-b.acme.test']);
    assertProblem(await c.finalize(String(two.finalize), opensslCsr('P-256', '', ['DNS:good-a.acme.test']).csrPem), 400, 'badCSR', /does not name \["good-b\.acme\.test"\]/);
    assertProblem(await c.post(String(two.finalize), { csr: 'not-a-csr' }), 400, 'badCSR');
  });

  it('a nonce is good once (badNonce on reuse, on an unknown one and on none)', async () => {
    const c = await registered();
    const nonce = await c.nonce();
    assert.equal((await c.read(c.accountUrl)).status, 200);
    assert.equal((await c.post(c.accountUrl, '', { nonce })).status, 200);
    assertProblem(await c.post(c.accountUrl, '', { nonce }), 400, 'badNonce', /already used/);
    assertProblem(await c.post(c.accountUrl, '', { nonce: 'made-up' }), 400, 'badNonce');
    const body = await signJws('', { kid: c.accountUrl, url: c.accountUrl }, c.key);
    const res = await https(ca, c.path(c.accountUrl), { method: 'POST', body, headers: { 'content-type': 'application/jose+json' } });
    assertProblem(res, 400, 'badNonce', /no "nonce"/);
    assert.match(String(res.headers['replay-nonce']), /^[A-Za-z0-9_-]{22}$/, 'a badNonce answer carries a fresh nonce to retry with');
  });

  it('refuses a jwk where an account must be named by kid, a wrong url, a foreign signature, a wrong content type', async () => {
    const c = await registered();
    assertProblem(await c.post(c.directory.newOrder, { identifiers: [{ type: 'dns', value: 'good.acme.test' }] }, { jwk: true }), 400, 'malformed', /must name its account by "kid"/);
    assertProblem(await c.post(c.directory.newOrder, { identifiers: [] }, { url: c.directory.newAccount }), 401, 'unauthorized', /is not the URL of this request/);
    const stranger = await acmeKey();
    assertProblem(await c.post(c.accountUrl, '', { key: stranger }), 400, 'malformed', /signature does not verify/);
    assertProblem(await c.post(c.directory.newOrder, {}, { kid: `${c.accountUrl}x` }), 400, 'accountDoesNotExist');
    const res = await https(ca, c.path(c.directory.newOrder), { method: 'POST', body: {}, headers: { 'content-type': 'application/json' } });
    assertProblem(res, 400, 'malformed', /application\/jose\+json/);
    assertProblem(await https(ca, '/acme/acme/new-order'), 405, 'malformed');
    assertProblem(await c.newOrder(['*.bad name']), 400, 'rejectedIdentifier');
    assertProblem(await c.post(c.directory.newOrder, { identifiers: [{ type: 'email', value: 'a@b.test' }] }), 400, 'unsupportedIdentifier');
  });

  it('revokeCert: by the owning account or the certificate key; another account is unauthorized; twice is alreadyRevoked; CRL and OCSP say revoked', async () => {
    const { client: owner, leaf } = await issue(['good-revoke.acme.test']);
    const other = await registered();
    const certificate = leaf.toString('base64url');
    assertProblem(await other.post(other.directory.revokeCert, { certificate }), 401, 'unauthorized', /does not own this certificate/);
    assertProblem(await owner.post(owner.directory.revokeCert, { certificate, reason: 7 }), 400, 'badRevocationReason');
    assert.equal((await owner.post(owner.directory.revokeCert, { certificate, reason: 4 })).status, 200);
    assertProblem(await owner.post(owner.directory.revokeCert, { certificate }), 400, 'alreadyRevoked');
    const serial = BigInt(`0x${new X509Certificate(leaf).serialNumber}`).toString(10);
    assert.equal((await ca.authority.store.revocation(serial))?.reasonCode, 4);
    const crl = parseCrl((await ca.authority.crl()).der);
    assert.ok(crl.serials.includes(BigInt(serial)), 'the revoked certificate is not on the CRL');
    const leafFile = join(ca.home, 'revoked.pem');
    writeFileSync(leafFile, toPem(leaf));
    const ocsp = await openssl(['ocsp', '-issuer', join(ca.home, 'pki/intermediate_ca.crt'), '-cert', leafFile, '-url', `${ca.url}/1.0/ocsp`, '-CAfile', ca.rootFile]);
    assert.match(ocsp, /revoked\.pem: revoked/);

    // By the certificate's own key (jwk), with no account.
    const csr = opensslCsr('P-256', 'good-key.acme.test', ['DNS:good-key.acme.test']);
    const c2 = await registered();
    const { order } = await validatedOrder(c2, ['good-key.acme.test']);
    await c2.finalize(String(order.finalize), csr.csrPem);
    const done = (await c2.read(String((await c2.read(c2.accountUrl)).json<{ orders: string }>().orders))).json<{ orders: string[] }>();
    const issued = (await c2.read(done.orders[0])).json<{ certificate: string }>();
    const der = pemDers((await c2.read(issued.certificate)).body.toString())[0];
    const { importPKCS8, exportJWK } = await import('jose');
    const privateKey = await importPKCS8(csr.keyPem, 'ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    delete jwk.d;
    const certKey = { privateKey, jwk, alg: 'ES256' };
    const stranger = await acmeKey();
    assertProblem(await c2.post(c2.directory.revokeCert, { certificate: der.toString('base64url') }, { jwk: true, key: stranger }), 401, 'unauthorized', /neither by the certificate's account nor by its key/);
    assert.equal((await c2.post(c2.directory.revokeCert, { certificate: der.toString('base64url') }, { jwk: true, key: certKey })).status, 200);
  });

  it('EAB: a provisioner that requires it refuses an account without one; a key binds one account, once', async () => {
    const hmacKey = randomBytes(32);
    assert.equal(await ca.authority.store.addAcmeEabKey({ keyId: 'team-a', provisioner: 'eab', hmacKey, reference: 'team a', createdAt: new Date() }), true);
    const c = await client('eab');
    assertProblem(await c.register(), 400, 'externalAccountRequired', /requires an external account binding/);
    const wrongKey = externalAccountBinding(c.key.jwk, 'team-a', randomBytes(32), c.directory.newAccount);
    assertProblem(await c.register({ externalAccountBinding: wrongKey }), 401, 'unauthorized', /MAC does not verify/);
    const unknown = externalAccountBinding(c.key.jwk, 'team-z', hmacKey, c.directory.newAccount);
    assertProblem(await c.register({ externalAccountBinding: unknown }), 401, 'unauthorized', /unknown key id/);
    const good = externalAccountBinding(c.key.jwk, 'team-a', hmacKey, c.directory.newAccount);
    assert.equal((await c.register({ externalAccountBinding: good })).status, 201);
    assert.equal((await ca.authority.store.acmeEabKey('team-a'))?.accountId, c.accountUrl.split('/').pop());
    const d = await client('eab');
    assertProblem(await d.register({ externalAccountBinding: externalAccountBinding(d.key.jwk, 'team-a', hmacKey, d.directory.newAccount) }), 401, 'unauthorized', /already bound/);
    const stolen = externalAccountBinding(c.key.jwk, 'team-a', hmacKey, d.directory.newAccount);
    await ca.authority.store.addAcmeEabKey({ keyId: 'team-b', provisioner: 'eab', hmacKey, reference: '', createdAt: new Date() });
    assertProblem(await d.register({ externalAccountBinding: { ...stolen, protected: externalAccountBinding(c.key.jwk, 'team-b', hmacKey, d.directory.newAccount).protected } }), 401, 'unauthorized');
  });

  it('keyChange moves the account to a new key; the old key no longer signs for it; deactivation ends it', async () => {
    const c = await registered();
    const next = await acmeKey();
    const inner = await signJws({ account: c.accountUrl, oldKey: c.key.jwk }, { jwk: next.jwk, url: c.directory.keyChange }, next);
    assert.equal((await c.post(c.directory.keyChange, inner)).status, 200);
    assertProblem(await c.read(c.accountUrl), 400, 'malformed', /signature does not verify/);
    const moved = new TestAcmeClient(ca, next);
    await moved.load();
    moved.accountUrl = c.accountUrl;
    assert.equal((await moved.read(c.accountUrl)).status, 200);
    const taken = await registered();
    const clash = await signJws({ account: c.accountUrl, oldKey: next.jwk }, { jwk: taken.key.jwk, url: c.directory.keyChange }, taken.key);
    const conflict = await moved.post(c.directory.keyChange, clash);
    assertProblem(conflict, 409, 'malformed', /another account has the new key/);
    assert.equal(conflict.headers.location, taken.accountUrl);
    const off = await moved.post(c.accountUrl, { status: 'deactivated' });
    assert.equal(off.json<{ status: string }>().status, 'deactivated');
    assertProblem(await moved.newOrder(['good.acme.test']), 401, 'unauthorized', /is deactivated/);
  });

  it('ARI: renewal-info suggests 2/3 to 3/4 of the lifetime, and now once the certificate is revoked or its account deactivated', async () => {
    const { client: c, leaf } = await issue(['good-ari.acme.test']);
    const cert = parseCertificate(leaf);
    const id = certificateIdOf(ca.authority.intermediate.keyId, cert.serial.toString(10));
    const res = await https(ca, `/acme/acme/renewal-info/${id}`);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['retry-after'], String(6 * 3600));
    const window = res.json<{ suggestedWindow: { start: string; end: string } }>().suggestedWindow;
    const life = cert.notAfter.getTime() - cert.notBefore.getTime();
    // The certificate's times have whole seconds, the store's milliseconds.
    assert.ok(Math.abs(Date.parse(window.start) - (cert.notBefore.getTime() + (life * 2) / 3)) < 2000, window.start);
    assert.ok(Math.abs(Date.parse(window.end) - (cert.notBefore.getTime() + (life * 3) / 4)) < 2000, window.end);
    assert.equal((await c.post(c.directory.revokeCert, { certificate: leaf.toString('base64url') })).status, 200);
    const after = (await https(ca, `/acme/acme/renewal-info/${id}`)).json<{ suggestedWindow: { start: string; end: string } }>().suggestedWindow;
    assert.ok(Date.parse(after.end) <= Date.now(), 'a revoked certificate is to be replaced now');
    assertProblem(await https(ca, `/acme/acme/renewal-info/${certificateIdOf(Buffer.from('other'), '12345')}`), 404, 'malformed');
    const second = await issue(['good-ari2.acme.test']);
    const id2 = certificateIdOf(ca.authority.intermediate.keyId, parseCertificate(second.leaf).serial.toString(10));
    assert.equal((await second.client.post(second.client.accountUrl, { status: 'deactivated' })).status, 200);
    const deactivated = (await https(ca, `/acme/acme/renewal-info/${id2}`)).json<{ suggestedWindow: { end: string }; explanation: string }>();
    assert.ok(Date.parse(deactivated.suggestedWindow.end) <= Date.now(), 'a certificate of a deactivated account is to be replaced now');
    assert.match(deactivated.explanation, /its account is deactivated/);
    assertProblem(await https(ca, '/acme/acme/renewal-info/garbage'), 400, 'malformed');
  });

  it("ARI: an order that names the certificate it replaces records the new certificate as its successor; another account's is refused", async () => {
    const first = await issue(['good-line.acme.test']);
    const c = first.client;
    const replaces = certificateIdOf(ca.authority.intermediate.keyId, parseCertificate(first.leaf).serial.toString(10));
    const stranger = await registered();
    assertProblem(await stranger.newOrder(['good-line.acme.test'], { replaces }), 400, 'malformed', /names no certificate of this account/);
    const created = await c.newOrder(['good-line.acme.test'], { replaces });
    assert.equal(created.status, 201, created.body.toString());
    const order = created.json<{ authorizations: string[]; finalize: string }>();
    const authz = (await c.read(order.authorizations[0])).json<{ challenges: { url: string }[] }>();
    await c.post(authz.challenges[0].url, {});
    await ca.server.acme.validations.idle();
    const done = await c.finalize(order.finalize, opensslCsr('P-256', 'good-line.acme.test', ['DNS:good-line.acme.test']).csrPem);
    assert.equal(done.status, 200, done.body.toString());
    const leaf = pemDers((await c.read(done.json<{ certificate: string }>().certificate)).body.toString())[0];
    const stored = await ca.authority.store.certificate(parseCertificate(leaf).serial.toString(10));
    assert.equal(stored?.replaces, parseCertificate(first.leaf).serial.toString(10));
  });

  it('hostile bodies, paths and headers each get their own problem document (400, 404 or 405), never a 500', async () => {
    const c = await registered();
    const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const nonce = async (): Promise<string> => c.nonce();
    // Each hostile body gets its own ACME problem, 400, as a problem document.
    const bodies: ReadonlyArray<readonly [unknown, string]> = [
      [null, 'malformed'],
      [[], 'malformed'],
      ['text', 'malformed'],
      [{ protected: 1, payload: '', signature: '' }, 'malformed'],
      [{ protected: '!!', payload: '', signature: '' }, 'malformed'],
      [{ protected: b64('not json'), payload: '', signature: '' }, 'malformed'],
      [{ protected: b64({ alg: 'none', url: c.directory.newOrder, nonce: await nonce(), kid: c.accountUrl }), payload: '', signature: '' }, 'badSignatureAlgorithm'],
      [{ protected: b64({ alg: 'HS256', url: c.directory.newOrder, nonce: await nonce(), kid: c.accountUrl }), payload: '', signature: '' }, 'badSignatureAlgorithm'],
      [{ protected: b64({ alg: 'ES256', url: c.directory.newOrder, nonce: await nonce(), jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } }), payload: '', signature: 'AA' }, 'malformed'],
      [{ protected: b64({ alg: 'ES256', url: c.directory.newOrder, nonce: await nonce(), jwk: { kty: 'oct', k: 'AA' } }), payload: '', signature: 'AA' }, 'malformed'],
      [{ protected: b64({ alg: 'ES256', url: c.directory.newOrder, nonce: await nonce(), jwk: 'x', kid: 5 }), payload: '', signature: 'AA' }, 'malformed'],
      [{ protected: b64({ alg: 'ES256', url: c.directory.newOrder, nonce: await nonce(), kid: 'x'.repeat(10_000) }), payload: b64('[[[[[[[[[[[]]]]]]]]]]]'), signature: 'AA' }, 'accountDoesNotExist'],
    ];
    for (const [body, type] of bodies) {
      const res = await https(ca, '/acme/acme/new-order', { method: 'POST', body, headers: { 'content-type': 'application/jose+json', host: new URL(c.directory.newOrder).host } });
      assertProblem(res, 400, type);
    }
    const payloads: unknown[] = [{ identifiers: 'x' }, { identifiers: [{}] }, { identifiers: new Array(101).fill({ type: 'dns', value: 'a.acme.test' }) }, { identifiers: [{ type: 'ip', value: '1.2.3' }] }, { identifiers: [{ type: 'dns', value: 'a.acme.test' }], notAfter: 'tomorrow' }, { identifiers: [{ type: 'dns', value: 'a.acme.test' }], replaces: 'x.y' }];
    for (const payload of payloads) {
      const res = await c.post(c.directory.newOrder, payload);
      assert.equal(res.status, 400, `${JSON.stringify(payload).slice(0, 80)}: ${res.body.toString()}`);
    }
    for (const [path, status, detail] of [
      ['/acme/acme/order/..%2f..', 404, /no such ACME resource/],
      ['/acme/%ZZ/directory', 404, /not valid URL encoding/],
      ['/acme/acme/authz/' + 'a'.repeat(65), 404, /no such ACME resource/],
      ['/acme/acme/renewal-info/a.b.c', 405, /POST is not allowed here/],
    ] as const) {
      const res = await https(ca, path, { method: 'POST', body: {}, headers: { 'content-type': 'application/jose+json' } });
      assertProblem(res, status, 'malformed', detail);
    }
    const big = await https(ca, '/acme/acme/new-order', { method: 'POST', body: { protected: 'A'.repeat(300 * 1024) }, headers: { 'content-type': 'application/jose+json' } });
    assertProblem(big, 413, 'malformed');
  });

  it('a validation lost with its process is started again once, then failed: nothing stays processing', async () => {
    const c = await registered();
    const created = (await c.newOrder(['silent-lost.acme.test'])).json<{ authorizations: string[] }>();
    const authzId = created.authorizations[0].split('/').pop() as string;
    const stored = await ca.authority.store.acmeAuthorization(authzId);
    assert.ok(stored);
    const longAgo = new Date(Date.now() - 3_600_000);
    const lost = { ...stored, challenges: stored.challenges.map((ch, i) => (i === 0 ? { ...ch, status: 'processing' as const, processingSince: longAgo, attempts: 2 } : ch)) };
    assert.equal(await ca.authority.store.updateAcmeAuthorization(lost), true);
    const read = (await c.read(created.authorizations[0])).json<{ status: string; challenges: { status: string; error?: { type: string } }[] }>();
    assert.equal(read.status, 'invalid');
    assert.equal(read.challenges[0].error?.type, 'urn:ietf:params:acme:error:serverInternal');
  });
});

describe('ACME on PostgreSQL: two replicas share every state', function () {
  this.timeout(60_000);
  let schema: TestSchema;
  let a: TestCa;
  let b: TestCa;

  before(async function () {
    await requirePostgres(this);
    schema = await createTestSchema();
    const home = await initTestHome({
      editConfig: (c) => {
        c.db = { type: 'postgresql', dataSource: schema.url };
        (c.authority as { provisioners: Record<string, unknown>[] }).provisioners.push({ type: 'ACME', name: 'acme' });
      },
    });
    a = await startTestCa({ home, server: { acme: { validate: fakeValidator } } });
    b = await startTestCa({ home, server: { acme: { validate: fakeValidator } } });
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await schema?.drop();
  });

  it('a nonce, an account, an order and its validation made on one replica are used on the other', async () => {
    const c = await new TestAcmeClient(a, await acmeKey()).load();
    assert.equal((await c.register()).status, 201);
    const nonce = await c.nonce();
    c.via = b;
    const reused = await c.post(c.directory.newOrder, { identifiers: [{ type: 'dns', value: 'good.acme.test' }] }, { nonce });
    assert.equal(reused.status, 201, `a nonce and an account of replica A were refused on B: ${reused.body.toString()}`);
    c.via = a;
    assertProblem(await c.post(c.directory.newOrder, { identifiers: [{ type: 'dns', value: 'good.acme.test' }] }, { nonce }), 400, 'badNonce', /already used/);
    const order = reused.json<{ authorizations: string[]; finalize: string }>();
    c.via = b;
    const authz = (await c.read(order.authorizations[0])).json<{ challenges: { url: string }[] }>();
    assert.equal((await c.post(authz.challenges[0].url, {})).status, 200);
    await b.server.acme.validations.idle();
    c.via = a;
    const csr = opensslCsr('P-256', 'good.acme.test', ['DNS:good.acme.test']);
    const done = await c.finalize(order.finalize, csr.csrPem);
    assert.equal(done.status, 200, done.body.toString());
    c.via = b;
    const cert = await c.read(done.json<{ certificate: string }>().certificate);
    assert.equal(cert.status, 200);
    const row = await schema.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema.name}.acme_orders WHERE certificate_serial IS NOT NULL`);
    assert.equal(row.rows[0].n, '1');
  });
});

describe('ACME under a rate limit by address', function () {
  this.timeout(30_000);
  let ca: TestCa;
  before(async () => {
    ca = await startTestCa({
      editConfig: (c) => {
        c.rateLimit = { perAddress: { requests: 2, per: '1h' } };
        (c.authority as { provisioners: Record<string, unknown>[] }).provisioners.push({ type: 'ACME', name: 'acme' });
      },
    });
  });
  after(async () => {
    await ca?.stop();
  });

  it('is refused with a rateLimited problem and Retry-After, not the JSON error', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await https(ca, '/acme/acme/directory')).status, 200);
    const limited = await https(ca, '/acme/acme/directory');
    assertProblem(limited, 429, 'rateLimited', /too many requests from 127\.0\.0\.1/);
    assert.match(String(limited.headers['retry-after']), /^\d+$/);
    assert.equal((await https(ca, '/roots')).json<{ code: string }>().code, 'ERR_RATE_LIMITED');
  });
});
