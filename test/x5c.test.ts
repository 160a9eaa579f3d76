import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { SignJWT, type JWTPayload } from 'jose';
import { readProvisionerExtension } from '../src/pki/extensions.js';
import { pemDers } from '../src/pki/pem.js';
import { opensslCsr } from './helpers/csr.js';
import { assertJsonError, get, post } from './helpers/http.js';
import { issueCertificate, type IssuedCertificate } from './helpers/issued.js';
import { miniPki } from './helpers/miniPki.js';
import { assertOneLineError, assertSucceeded, fedca } from './helpers/cli.js';
import { initTestHome, startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';

const PROVISIONER_EXTENSION = '1.3.6.1.4.1.37476.9000.64.1';

/** A certificate and the chain (leaf, intermediate) and key that sign x5c tokens with it. */
interface Credential {
  readonly chainPem: string;
  readonly keyPem: string;
}

const credentialOf = (issued: IssuedCertificate, intermediatePem: string): Credential => ({ chainPem: issued.certPem + intermediatePem, keyPem: issued.keyPem });

/** An x5c token (step's shape: aud `…/1.0/sign#x5c/NAME`) signed by the credential's key. */
async function x5cToken(ca: TestCa, credential: Credential, sub: string, overrides: JWTPayload = {}, path = '/1.0/sign'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const x5c = pemDers(credential.chainPem).map((der) => der.toString('base64'));
  return new SignJWT({ iss: 'workloads', sub, sans: [sub], aud: `${ca.url}${path}#x5c/workloads`, jti: randomBytes(16).toString('hex'), iat: now, nbf: now, exp: now + 300, ...overrides })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c })
    .sign(createPrivateKey(credential.keyPem));
}

describe('X5C provisioner: certificates vouch for new ones', () => {
  let ca: TestCa;
  let other: TestCa;
  let p: ProvisionerKey;
  let local: Credential;
  let federated: Credential;

  before(async () => {
    other = await startTestCa({ name: 'Other cloud' });
    const home = await initTestHome({ name: 'Here' });
    // step-ca's form: the PEM bundle, base64; the other CA's root makes its workloads welcome.
    const roots = Buffer.from(readFileSync(home.rootFile, 'utf8') + other.rootPem).toString('base64');
    const file = join(home.home, 'config/ca.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as { authority: { provisioners: unknown[] } };
    config.authority.provisioners.push({ type: 'X5C', name: 'workloads', roots });
    writeFileSync(file, JSON.stringify(config));
    ca = await startTestCa({ home });
    p = await provisionerKey(ca);
    local = credentialOf(await issueCertificate(ca, p, 'svc.internal'), readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8'));
    federated = credentialOf(await issueCertificate(other, await provisionerKey(other), 'db.other.internal'), readFileSync(join(other.home, 'pki/intermediate_ca.crt'), 'utf8'));
  });
  after(async () => {
    await ca?.stop();
    await other?.stop();
  });

  const sign = async (ott: string, cn: string, body: Record<string, unknown> = {}) =>
    post(ca, '/1.0/sign', JSON.stringify({ csr: opensslCsr('P-256', cn).csrPem, ott, ...body }));

  it('is listed by /provisioners in step-ca\'s shape', async () => {
    const list = (await get(ca, '/provisioners')).body as { provisioners: { type: string; name: string; roots?: string }[] };
    const x5c = list.provisioners.find((q) => q.type === 'X5C');
    assert.equal(x5c?.name, 'workloads');
    assert.match(Buffer.from(x5c?.roots ?? '', 'base64').toString(), /BEGIN CERTIFICATE/);
  });

  it('a leaf of this CA enrols for its own names, expiring no later than the leaf', async () => {
    const res = await sign(await x5cToken(ca, local, 'svc.internal'), 'svc.internal');
    assert.equal(res.status, 201, res.text);
    const cert = new x509.X509Certificate(res.body.crt as string);
    assert.equal(cert.subject, 'CN=svc.internal');
    const leaf = new X509Certificate(local.chainPem);
    assert.ok(cert.notAfter.getTime() <= Date.parse(leaf.validTo), `${cert.notAfter.toISOString()} is after the leaf's ${leaf.validTo}`);
    const ext = cert.getExtension(PROVISIONER_EXTENSION);
    assert.ok(ext);
    const ref = readProvisionerExtension(Buffer.from(ext.value));
    assert.deepEqual([ref.type, ref.name], [7, 'workloads']);
  });

  it('a leaf of the federated CA enrols here with the certificate it has', async () => {
    const res = await sign(await x5cToken(ca, federated, 'db.other.internal'), 'db.other.internal');
    assert.equal(res.status, 201, res.text);
    assert.equal(new x509.X509Certificate(res.body.crt as string).issuer, new x509.X509Certificate(readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8')).subject);
  });

  it('an x5c token works once', async () => {
    const ott = await x5cToken(ca, local, 'svc.internal');
    assert.equal((await sign(ott, 'svc.internal')).status, 201);
    assertJsonError(await sign(ott, 'svc.internal'), 401, /token already used/);
  });

  it('refuses names the leaf does not hold (403)', async () => {
    assertJsonError(await sign(await x5cToken(ca, local, 'admin.internal'), 'admin.internal'), 403, /does not hold the names \["admin\.internal"\]/);
    assertJsonError(await sign(await x5cToken(ca, local, 'svc.internal', { sans: ['svc.internal', 'other.internal'] }), 'svc.internal'), 403, /other\.internal/);
  });

  it('refuses a requested notAfter past the leaf\'s (403)', async () => {
    assertJsonError(await sign(await x5cToken(ca, local, 'svc.internal'), 'svc.internal', { notAfter: '48h' }), 403, /after the expiry of the x5c certificate/);
  });

  it('refuses a leaf of a root it does not trust (401)', async () => {
    const stranger = miniPki('Stranger');
    const id = stranger.serverIdentity(['svc.internal']);
    assertJsonError(await sign(await x5cToken(ca, { chainPem: id.chainPem, keyPem: id.keyPem }, 'svc.internal'), 'svc.internal'), 401, /does not chain to a trusted root/);
  });

  it('refuses an expired leaf (401)', async () => {
    // Issued two days ago for a day, through the authority with its clock set back.
    const past = new Date(Date.now() - 48 * 3_600_000);
    const { csrPem, keyPem } = opensslCsr('P-256', 'old.internal');
    const t = Math.floor(past.getTime() / 1000);
    const ott = await signToken(ca, p, 'old.internal', { iat: t, nbf: t, exp: t + 300 });
    const issued = await ca.authority.sign(csrPem, ott, {}, past);
    const intermediatePem = readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8');
    const credential = { chainPem: new X509Certificate(issued.certificate).toString() + intermediatePem, keyPem };
    assertJsonError(await sign(await x5cToken(ca, credential, 'old.internal'), 'old.internal'), 401, /outside its validity/);
  });

  it('refuses a revoked leaf of this CA (401)', async () => {
    const issued = await issueCertificate(ca, p, 'gone.internal');
    await ca.authority.revoke({ serial: issued.serial, reasonCode: 1, reason: 'key compromise', clientCertificate: { der: Buffer.from(new X509Certificate(issued.certPem).raw), chainVerified: false } });
    const credential = credentialOf(issued, readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8'));
    assertJsonError(await sign(await x5cToken(ca, credential, 'gone.internal'), 'gone.internal'), 401, /revoked/);
  });

  it('refuses a token signed by another key than the leaf\'s, or for another provisioner name or endpoint (401)', async () => {
    const wrongKey = { chainPem: local.chainPem, keyPem: federated.keyPem };
    assertJsonError(await sign(await x5cToken(ca, wrongKey, 'svc.internal'), 'svc.internal'), 401, /signature verification failed/);
    assertJsonError(await sign(await x5cToken(ca, local, 'svc.internal', { iss: 'someone' }), 'svc.internal'), 401, /issuer \(iss\)/);
    assertJsonError(await sign(await x5cToken(ca, local, 'svc.internal', {}, '/1.0/revoke'), 'svc.internal'), 401, /audience \(aud\)/);
  });

  it('a token with no x5c header for the X5C provisioner is refused (401)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ott = await new SignJWT({ iss: 'workloads', sub: 'svc.internal', aud: `${ca.url}/1.0/sign#x5c/workloads`, jti: 'j', iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(createPrivateKey(local.keyPem));
    assertJsonError(await sign(ott, 'svc.internal'), 401, /no certificate chain \(x5c\)/);
  });

  it('fedca certificate --provisioner NAME --x5c-cert --x5c-key: a workload of the federated CA enrols with the certificate it has', async () => {
    const dir = tempDir('fedca-x5c-cli-');
    try {
      writeFileSync(join(dir, 'other.crt'), federated.chainPem);
      writeFileSync(join(dir, 'other.key'), federated.keyPem);
      const run = await fedca([
        'certificate', 'db.other.internal', join(dir, 'here.crt'), join(dir, 'here.key'),
        '--provisioner', 'workloads', '--x5c-cert', join(dir, 'other.crt'), '--x5c-key', join(dir, 'other.key'),
        '--ca-url', ca.url, '--root', ca.rootFile,
      ]);
      assertSucceeded(run);
      const cert = new x509.X509Certificate(readFileSync(join(dir, 'here.crt'), 'utf8'));
      assert.equal(cert.subject, 'CN=db.other.internal');
      assert.equal(cert.issuer, new x509.X509Certificate(readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8')).subject);
      const refused = await fedca(['certificate', 'admin.internal', join(dir, 'x.crt'), join(dir, 'x.key'), '--provisioner', 'workloads', '--x5c-cert', join(dir, 'other.crt'), '--x5c-key', join(dir, 'other.key'), '--ca-url', ca.url, '--root', ca.rootFile]);
      assertOneLineError(refused, /does not hold the names/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('revokes with an x5c revoke token naming the serial', async () => {
    const issued = await issueCertificate(ca, p, 'svc.internal');
    const ott = await x5cToken(ca, local, issued.serial, {}, '/1.0/revoke');
    const res = await post(ca, '/1.0/revoke', JSON.stringify({ serial: issued.serial, ott, reasonCode: 0, passive: true }));
    assert.equal(res.status, 200, res.text);
  });
});
