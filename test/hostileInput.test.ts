import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import request from 'supertest';
import { createApi } from '../src/api/app.js';
import { generateKey } from '../src/pki/keys.js';
import { opensslCsr } from './helpers/csr.js';
import { csrWithDeepNesting, csrWithHugeOid, csrWithHugeSignatureOid, csrWithManySans, csrWithRsaKey } from './helpers/hostileInputs.js';
import { rowCount } from './helpers/storeCount.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';

/** Issue 10's findings on hostile input, one test each: the status and the message, nothing stored. */
describe('hostile input to POST /sign', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let app: ReturnType<typeof createApi>;
  const p256 = opensslCsr('P-256', 'svc.internal');
  const now = (): number => Math.floor(Date.now() / 1000);
  const JUNK_TOKEN = 'eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

  before(async () => {
    ca = await startTestCa({
      editConfig: (c) => {
        const authority = c.authority as { provisioners: { claims?: Record<string, string> }[] };
        authority.provisioners[0].claims = { maxTokenLifetime: '1h' };
      },
    });
    p = await provisionerKey(ca);
    app = createApi(ca.authority);
  });
  after(async () => ca.stop());

  const sign = (body: unknown) => request(app).post('/1.0/sign').send(body as object);

  async function refused(body: unknown, status: number, message: RegExp): Promise<void> {
    const issued = await rowCount(ca, 'certificates');
    const used = await rowCount(ca, 'usedTokens');
    const res = await sign(body);
    assert.equal(res.status, status, res.text);
    assert.equal(res.body.status, status);
    assert.match(res.body.message as string, message);
    assert.equal(await rowCount(ca, 'certificates'), issued, 'no certificate stored');
    assert.equal(await rowCount(ca, 'usedTokens'), used, 'no token burned');
  }

  async function issued(body: object): Promise<X509Certificate> {
    const res = await sign(body);
    assert.equal(res.status, 201, res.text);
    return new X509Certificate(res.body.crt as string);
  }

  describe('cheap checks first', () => {
    it('a 185 KB OID with a junk token costs no CSR parse: the token is refused (401)', async () => {
      await refused({ csr: csrWithHugeOid(185_000), ott: JUNK_TOKEN }, 401, /invalid token/);
      await refused({ csr: csrWithHugeSignatureOid(185_000), ott: JUNK_TOKEN }, 401, /invalid token/);
    });

    it('a token signed by the wrong key is refused before a CSR that is itself bad', async () => {
      const foreign = await signToken(ca, { ...p, key: generateKey({ kty: 'EC' }) }, 'svc.internal');
      await refused({ csr: 'not a csr', ott: foreign }, 401, /signature/);
    });
  });

  describe('bounded parsing, behind a valid token', () => {
    it('an OID longer than 128 bytes, in a subject or as the signature algorithm (400)', async () => {
      await refused({ csr: csrWithHugeOid(185_000), ott: await signToken(ca, p, 'svc.internal') }, 400, /OBJECT IDENTIFIER of 185000 bytes is longer than 128/);
      await refused({ csr: csrWithHugeSignatureOid(129), ott: await signToken(ca, p, 'svc.internal') }, 400, /OBJECT IDENTIFIER of 129 bytes/);
    });

    it('nesting deeper than X.509 needs (400)', async () => {
      await refused({ csr: csrWithDeepNesting(5000), ott: await signToken(ca, p, 'svc.internal') }, 400, /nested deeper than 20 levels/);
    });

    it('more DER elements than any CSR has (400)', async () => {
      await refused({ csr: csrWithManySans(10_000), ott: await signToken(ca, p, 'svc.internal') }, 400, /more than 10000 elements/);
    });

    it('RSA moduli over 16384 bits and exponents over 64 bits are refused before any arithmetic (400)', async () => {
      await refused({ csr: csrWithRsaKey(2049, 3), ott: await signToken(ca, p, 'svc.internal') }, 400, /RSA modulus of 16392 bits is larger/);
      await refused({ csr: csrWithRsaKey(256, 2048), ott: await signToken(ca, p, 'svc.internal') }, 400, /RSA public exponent of 16384 bits is larger than 64/);
    });

    it('more SANs than a certificate may carry (400)', async () => {
      const sans = Array.from({ length: 1001 }, (_, i) => `n${i}.example`);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans }) }, 400, /1001 subject alternative names are more than the 1000/);
    });
  });

  describe('dates', () => {
    it('an impossible notAfter is 400 naming the field, never 500', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '2030-13-01T00:00:00Z' }, 400, /^notAfter "2030-13-01T00:00:00Z" is not a real date and time$/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '2030-02-31T99:99:99Z' }, 400, /^notAfter "2030-02-31T99:99:99Z" is not a real date/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '2030-02-29T00:00:00Z' }, 400, /not a real date/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notAfter: '99999999999999h' }, 400, /^notAfter must be an RFC 3339 time or a duration/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notBefore: '0000-01-01T00:00:00+01:00' }, 400, /^notBefore "0000-01-01T00:00:00\+01:00" is out of range \(years 0000-9999\)$/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notBefore: '-20000000h' }, 400, /^notBefore must be an RFC 3339 time or a duration such as "1h30m" \(at most 2562047h\), got "-20000000h"$/);
    });

    it('a validity that ends in the past, or before it begins (400, as step-ca)', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notBefore: '2000-01-01T00:00:00Z', notAfter: '2000-01-01T12:00:00Z' }, 400, /^notAfter cannot be in the past/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notBefore: '-461h' }, 400, /^notAfter cannot be in the past/);
      // A relative notAfter counts from notBefore at step-ca ('2h' then '1h' is a 1-hour certificate): a time is needed to end before the start.
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal'), notBefore: '2h', notAfter: new Date(Date.now() + 3_600_000).toISOString() }, 400, /^notAfter cannot be before notBefore/);
    });

    it('token times that are no date (exp 1e20, NaN-like, negative) are 401 naming the claim', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { exp: 1e20 }) }, 401, /^invalid token: exp is not a valid time$/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { nbf: -5 }) }, 401, /^invalid token: nbf is not a valid time$/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { iat: 1e300 }) }, 401, /^invalid token: iat is not a valid time$/);
    });
  });

  describe('token lifetime', () => {
    it('a token living longer than maxTokenLifetime (here 1h) is 401', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { exp: now() + 10 * 365 * 86400 }) }, 401, /lifetime of 87600h0m0s .* maximum token lifetime of 1h0m0s/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { iat: undefined, nbf: undefined, exp: now() + 7200 }) }, 401, /maximum token lifetime of 1h0m0s/);
      await issued({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { exp: now() + 3000 }) });
    });
  });

  describe('revoke', () => {
    it('a serial of 100,000 digits is refused before it is read as a number (400)', async () => {
      const res = await request(app).post('/1.0/revoke').send({ serial: '9'.repeat(100_000), ott: JUNK_TOKEN, passive: true });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.message, 'serial must be a decimal number of at most 64 digits');
    });
  });

  describe('names are encoded as RFC 5280 requires, or refused naming the character', () => {
    it('an internationalised DNS name becomes its A-label', async () => {
      const cert = await issued({ csr: opensslCsr('P-256', '').csrPem, ott: await signToken(ca, p, 'exämple.internal') });
      assert.equal(cert.subjectAltName, 'DNS:xn--exmple-cua.internal');
      assert.equal(cert.subject, 'CN=exämple.internal');
    });

    it('an underscore is tolerated in a DNS label, as Go and step-ca take it', async () => {
      const cert = await issued({ csr: opensslCsr('P-256', '').csrPem, ott: await signToken(ca, p, 'kube_client') });
      assert.equal(cert.subjectAltName, 'DNS:kube_client');
    });

    it('a non-ASCII letter cannot become a NUL byte in a DNS name', async () => {
      const cert = await issued({ csr: opensslCsr('P-256', '').csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['good.internal\u0100.evil.example'] }) });
      assert.equal(cert.subjectAltName, 'DNS:good.xn--internal-o7a.evil.example');
      assert.ok(!cert.raw.includes(Buffer.from('good.internal\u0000', 'latin1')));
    });

    it('control characters anywhere, CN included (400 naming the character)', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['good.internal\u0000.evil.example'] }) }, 400, /DNS name "good.internal\\u0000.evil.example" has a control character \(U\+0000\) at position 13/);
      await refused({ csr: opensslCsr('P-256', '').csrPem, ott: await signToken(ca, p, 'svc\u001b[31m', { sans: ['svc.internal'] }) }, 400, /common name "svc\\u001b\[31m" has a control character \(U\+001B\) at position 3/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['ops\u0085@example.com'] }) }, 400, /email address .* control character \(U\+0085\)/);
    });

    it('characters no DNS label, email local part or URI may hold (400)', async () => {
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['svc internal'] }) }, 400, /DNS name "svc internal" has a character not allowed in a DNS name label " " \(U\+0020\) at position 3/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['jösé@example.com'] }) }, 400, /email address "jösé@example.com" has a character not allowed in the local part of an rfc822Name "ö" \(U\+00F6\) at position 1/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['https://example.com/a b'] }) }, 400, /URI "https:\/\/example.com\/a b" has a character not allowed in a URI " " \(U\+0020\) at position 21/);
      await refused({ csr: p256.csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['-bad.example'] }) }, 400, /DNS name "-bad.example" has a character not allowed/);
    });

    it('an email domain and an IRI are converted to ASCII', async () => {
      const cert = await issued({ csr: opensslCsr('P-256', '').csrPem, ott: await signToken(ca, p, 'svc.internal', { sans: ['ops@exämple.com', 'spiffe://exämple.org/wörk'] }) });
      assert.equal(cert.subjectAltName, 'email:ops@xn--exmple-cua.com, URI:spiffe://ex%C3%A4mple.org/w%C3%B6rk');
    });

    it('a CSR whose SAN holds a byte that is not printable ASCII (400)', async () => {
      const { csrPem } = opensslCsr('P-256', 'svc.internal', ['DNS:exXmple.internal']);
      const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
      der[der.indexOf('exXmple') + 2] = 0xe4;
      const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      await refused({ csr: pem, ott: await signToken(ca, p, 'svc.internal', { sans: ['exämple.internal'] }) }, 400, /CSR subjectAltName DNS name has byte 0xe4 at position 2: not printable ASCII/);
    });
  });
});
