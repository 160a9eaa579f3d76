import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import request from 'supertest';
import { createApi } from '../src/api/app.js';
import { generateKey } from '../src/pki/keys.js';
import { opensslCsr } from './helpers/csr.js';
import { rowCount } from './helpers/storeCount.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signClaims, signClaimsFor, signToken, type ProvisionerKey } from './helpers/tokens.js';

describe('POST /sign', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let app: ReturnType<typeof createApi>;
  const p256 = opensslCsr('P-256', 'svc.internal', ['DNS:svc.internal']);

  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
    app = createApi(ca.authority);
  });
  after(async () => ca.stop());

  const sign = (body: unknown) => request(app).post('/1.0/sign').send(body as object);

  describe('issues', () => {
    it('a certificate with the default leaf profile of api.md', async () => {
      const sans = ['svc.internal', 'svc.example.com', '10.1.2.3', '::1', 'ops@example.com', 'spiffe://example.com/svc'];
      const { csrPem } = opensslCsr('P-256', 'svc.internal');
      const before = Date.now();
      const res = await sign({ csr: csrPem, ott: await signToken(ca, p, 'svc.internal', { sans }), notBefore: '', notAfter: '' });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(Object.keys(res.body).sort(), ['ca', 'certChain', 'crt']);
      assert.deepEqual(res.body.certChain, [res.body.crt, res.body.ca]);
      const leaf = new x509.X509Certificate(res.body.crt as string);
      const issuer = new x509.X509Certificate(res.body.ca as string);
      assert.equal(leaf.subject, 'CN=svc.internal');
      assert.equal(leaf.issuer, issuer.subject);
      const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
      assert.ok(san);
      const names = san.names.toJSON().map((n) => `${n.type}:${n.value}`).sort();
      assert.deepEqual(names, ['dns:svc.example.com', 'dns:svc.internal', 'email:ops@example.com', 'ip:10.1.2.3', 'ip:::1', 'url:spiffe://example.com/svc'].sort());
      const ku = leaf.getExtension(x509.KeyUsagesExtension);
      assert.ok(ku?.critical);
      assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature);
      const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
      assert.deepEqual([...(eku?.usages ?? [])], ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
      assert.equal(leaf.getExtension(x509.BasicConstraintsExtension)?.ca ?? false, false);
      const ski = leaf.getExtension(x509.SubjectKeyIdentifierExtension);
      const aki = leaf.getExtension(x509.AuthorityKeyIdentifierExtension);
      assert.equal(aki?.keyId, issuer.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
      assert.ok(ski?.keyId);
      assert.ok(leaf.getExtension('1.3.6.1.4.1.37476.9000.64.1'), 'provisioner extension');
      const nb = leaf.notBefore.getTime();
      const na = leaf.notAfter.getTime();
      assert.ok(Math.abs(before - 60_000 - nb) < 5_000, 'notBefore backdated 1 minute');
      assert.ok(Math.abs(na - nb - 24 * 3600_000 - 60_000) < 5_000, '24 h (plus the backdate)');
      assert.equal(BigInt('0x' + leaf.serialNumber) > 0n, true);
      assert.ok(leaf.serialNumber.replace(/^0+/, '').length >= 25, 'a 16-byte serial');
      assert.ok(Math.abs(Number(BigInt('0x' + leaf.serialNumber) >> 80n) - before) < 5_000, 'the serial starts with the time of issue (ms), before its 80 random bits');
      const dir = mkdtempSync(join(tmpdir(), 'fedca-verify-'));
      try {
        writeFileSync(join(dir, 'leaf.pem'), res.body.crt as string);
        writeFileSync(join(dir, 'int.pem'), res.body.ca as string);
        const out = execFileSync('openssl', ['verify', '-CAfile', ca.rootFile, '-untrusted', join(dir, 'int.pem'), join(dir, 'leaf.pem')]).toString();
        assert.match(out, /leaf\.pem: OK/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    for (const type of ['P-256', 'P-384', 'RSA2048', 'Ed25519'] as const) {
      it(`for a ${type} CSR`, async () => {
        const { csrPem } = opensslCsr(type, 'k.internal', ['DNS:k.internal']);
        const res = await sign({ csr: csrPem, ott: await signToken(ca, p, 'k.internal') });
        assert.equal(res.status, 201, res.text);
        const leaf = new x509.X509Certificate(res.body.crt as string);
        const ku = leaf.getExtension(x509.KeyUsagesExtension);
        const expected = type === 'RSA2048' ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature;
        assert.equal(ku?.usages, expected);
      });
    }

    it('fills the SANs from the token when the CSR names none, and takes an empty CN', async () => {
      const { csrPem } = opensslCsr('P-256', '');
      const res = await sign({ csr: csrPem, ott: await signToken(ca, p, 'empty.internal', { sans: ['empty.internal', '127.0.0.1'] }) });
      assert.equal(res.status, 201, res.text);
      const leaf = new X509Certificate(res.body.crt as string);
      assert.equal(leaf.subject, 'CN=empty.internal');
      assert.equal(leaf.subjectAltName, 'DNS:empty.internal, IP Address:127.0.0.1');
    });

    it('honours notAfter as a duration and as an RFC 3339 time within the claims', async () => {
      const r1 = await sign({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '1h' });
      assert.equal(r1.status, 201, r1.text);
      const c1 = new X509Certificate(r1.body.crt as string);
      assert.ok(Math.abs(Date.parse(c1.validTo) - Date.now() - 3600_000) < 5_000);
      const at = new Date(Date.now() + 2 * 3600_000);
      at.setMilliseconds(0);
      const r2 = await sign({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: at.toISOString() });
      assert.equal(r2.status, 201, r2.text);
      assert.equal(Date.parse(new X509Certificate(r2.body.crt as string).validTo), at.getTime());
    });

    it('stores the certificate before answering, over real HTTPS at /sign too', async () => {
      const before = await rowCount(ca, 'certificates');
      const res = await request(ca.url).post('/sign').ca(ca.rootPem).send({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal') });
      assert.equal(res.status, 201, res.text);
      assert.equal(await rowCount(ca, 'certificates'), before + 1);
      const serial = BigInt('0x' + new X509Certificate(res.body.crt as string).serialNumber).toString(10);
      const stored = await ca.authority.store.certificate(serial);
      assert.equal(stored?.commonName, 'svc.internal');
      assert.equal(stored?.provisioner, 'admin');
    });

    it('records the times the certificate holds (whole seconds), also for a notAfter asked to the millisecond', async () => {
      const asked = new Date(Date.now() + 3600_000);
      asked.setMilliseconds(999);
      const res = await sign({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: asked.toISOString() });
      assert.equal(res.status, 201, res.text);
      const cert = new X509Certificate(res.body.crt as string);
      const stored = await ca.authority.store.certificate(BigInt('0x' + cert.serialNumber).toString(10));
      assert.equal(stored?.notAfter.getTime(), Date.parse(cert.validTo));
      assert.equal(stored?.notAfter.getTime(), asked.getTime() - 999);
      assert.equal(stored?.notBefore.getTime(), Date.parse(cert.validFrom));
    });
  });

  describe('refuses, storing nothing', () => {
    const now = () => Math.floor(Date.now() / 1000);

    async function refused(body: unknown, status: number, message: RegExp): Promise<void> {
      const issued = await rowCount(ca, 'certificates');
      const res = await sign(body);
      assert.equal(res.status, status, res.text);
      assert.match(res.headers['content-type'] as string, /application\/json/);
      assert.equal(res.body.status, status);
      assert.match(res.body.message as string, message);
      assert.equal(await rowCount(ca, 'certificates'), issued, 'no certificate stored');
    }

    it('a replayed token (401 token already used)', async () => {
      const ott = await signToken(ca, p, 'svc.internal');
      assert.equal((await sign({ csr: p256.csrPem, ott })).status, 201);
      await refused({ csr: p256.csrPem, ott }, 401, /token already used/);
    });

    it('an expired token', async () => {
      const ott = await signToken(ca, p, 'svc.internal', { iat: now() - 900, nbf: now() - 900, exp: now() - 600 });
      await refused({ csr: p256.csrPem, ott }, 401, /token expired/);
    });

    it('a token from the future', async () => {
      const ott = await signToken(ca, p, 'svc.internal', { iat: now() + 600, nbf: now() + 600, exp: now() + 900 });
      await refused({ csr: p256.csrPem, ott }, 401, /not yet valid|future/);
    });

    it('a wrong audience, and a revoke audience', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { aud: 'https://other.example:9000/1.0/sign' }) }, 401, /audience/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { aud: `${ca.url}/1.0/revoke` }) }, 401, /audience/);
    });

    it('tolerates a port mismatch in the audience, as step-ca does', async () => {
      const res = await sign({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { aud: 'https://127.0.0.1:443/1.0/sign' }) });
      assert.equal(res.status, 201, res.text);
    });

    it('a wrong issuer', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { iss: 'someone-else' }) }, 401, /issuer/);
    });

    it('an unknown kid', async () => {
      const ott = await signClaims(p.key, 'no-such-kid', signClaimsFor(ca, p, 'svc.internal'));
      await refused({ csr: p256.csrPem, ott }, 401, /key id/);
    });

    it('a token signed by another key', async () => {
      const ott = await signClaims(generateKey({ kty: 'EC' }), p.kid, signClaimsFor(ca, p, 'svc.internal'));
      await refused({ csr: p256.csrPem, ott }, 401, /signature/);
    });

    it('a sha of another root', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sha: 'ab'.repeat(32) }) }, 401, /sha/);
    });

    it('a token without jti, or with an empty subject', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { jti: undefined }) }, 401, /jti/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sub: '' }) }, 401, /sub/);
    });

    it('a CSR whose CN is not the token subject (403)', async () => {
      await refused({ csr: opensslCsr('P-256', 'evil.internal').csrPem, ott: await signToken(ca, p, 'svc.internal') }, 403, /common name/);
    });

    it('a CSR SAN outside the token sans (403)', async () => {
      const { csrPem } = opensslCsr('P-256', 'svc.internal', ['DNS:svc.internal', 'DNS:evil.internal']);
      await refused({ csr: csrPem, ott: await signToken(ca, p, 'svc.internal') }, 403, /CSR SANs not allowed by token/);
      const ip = opensslCsr('P-256', 'svc.internal', ['IP:10.9.9.9']);
      await refused({ csr: ip.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['svc.internal', '10.1.1.1'] }) }, 403, /CSR SANs not allowed by token/);
    });

    it('a CSR with a broken signature (400)', async () => {
      const der = Buffer.from(p256.csrPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
      der[der.length - 5] ^= 0x01;
      const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      await refused({ csr: broken, ott: await signToken(ca, p, 'svc.internal') }, 400, /signature|malformed/);
    });

    it('an RSA 1024 key and a DSA key (400)', async () => {
      await refused({ csr: opensslCsr('RSA1024', 'svc.internal').csrPem, ott: await signToken(ca, p, 'svc.internal') }, 400, /RSA 1024/);
      await refused({ csr: opensslCsr('DSA', 'svc.internal').csrPem, ott: await signToken(ca, p, 'svc.internal') }, 400, /DSA/);
    });

    it('garbage PEM, JSON that is not an object, missing csr or ott (400)', async () => {
      const ott = await signToken(ca, p, 'svc.internal');
      await refused({ csr: 'hello', ott }, 400, /csr/);
      await refused({ csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', ott }, 400, /malformed/);
      await refused([1, 2], 400, /JSON object/);
      await refused({ ott }, 400, /csr/);
      await refused({ csr: p256.csrPem }, 400, /ott/);
      await refused({ csr: p256.csrPem, ott: 'not-a-token' }, 401, /invalid token/);
    });

    it('notAfter past the maximum duration, or malformed (403 / 400)', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '48h' }, 403, /more than the authorized maximum/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '1m' }, 403, /less than the authorized minimum/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: 'tomorrow' }, 400, /notAfter/);
    });

    it('counts the duration as step-ca does: the 1-minute backdate included, the maximum widened by it', async () => {
      const ok = await sign({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '4m30s' });
      assert.equal(ok.status, 201, ok.text);
      const x509 = new X509Certificate(ok.body.crt as string);
      assert.ok(Math.abs(Date.parse(x509.validTo) - Date.parse(x509.validFrom) - 330_000) <= 1000, '4m30s from now, backdated a minute');
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '3m' }, 403, /4m0s is less than the authorized minimum certificate duration of 5m0s/);
      assert.equal((await sign({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '24h' })).status, 201);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '24h0m30s' }, 403, /more than the authorized maximum certificate duration of 24h1m0s/);
      // A notBefore the client sets is not backdated, and a relative notAfter counts from it.
      const later = await sign({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notBefore: '1m', notAfter: '24h1m' });
      assert.equal(later.status, 201, later.text);
      const l = new X509Certificate(later.body.crt as string);
      assert.ok(Math.abs(Date.parse(l.validTo) - Date.parse(l.validFrom) - (24 * 3600_000 + 60_000)) <= 1000);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: new Date(Date.now() - 3600_000).toISOString() }, 400, /notAfter cannot be in the past/);
    });

    it('a token used by 20 requests at once: exactly one succeeds', async () => {
      const ott = await signToken(ca, p, 'svc.internal');
      const agent = request(ca.url);
      const results = await Promise.all(Array.from({ length: 20 }, () => agent.post('/1.0/sign').ca(ca.rootPem).send({ csr: p256.csrPem, ott })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [201, ...Array<number>(19).fill(401)]);
    });
  });
});
