import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { parseCertificate } from '../src/pki/certificate.js';
import { readSubjectKeyIdentifier } from '../src/pki/extensionReaders.js';
import { issueLeaf } from '../src/pki/issueCertificate.js';
import { createSigner, spkiDer } from '../src/pki/keys.js';
import { OID } from '../src/pki/oids.js';
import { keyIdentifier } from '../src/pki/extensions.js';
import { toPem } from '../src/pki/pem.js';
import { opensslCsr } from './helpers/csr.js';
import { https } from './helpers/https.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signClaims, signClaimsFor, signToken, type ProvisionerKey } from './helpers/tokens.js';

interface Issued {
  readonly crt: string;
  readonly ca: string;
  readonly chain: string;
  readonly key: string;
  readonly serial: string;
  readonly x509: X509Certificate;
}

/** A certificate's subjectKeyIdentifier. */
const skiOf = (c: X509Certificate): Buffer | undefined => {
  const ext = parseCertificate(c.raw).extensions.find((e) => e.id === OID.subjectKeyIdentifier);
  return ext && readSubjectKeyIdentifier(ext.value);
};
const decimalSerial = (c: X509Certificate): string => BigInt('0x' + c.serialNumber).toString(10);

describe('certificate lifecycle: renew, rekey, revoke, CRL', () => {
  let ca: TestCa;
  let p: ProvisionerKey;

  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
  });
  after(async () => ca.stop());

  async function issue(cn: string, extra: { notBefore?: string; notAfter?: string; ca?: TestCa; p?: ProvisionerKey } = {}): Promise<Issued> {
    const target = extra.ca ?? ca;
    const { csrPem, keyPem } = opensslCsr('P-256', cn);
    const ott = await signToken(target, extra.p ?? p, cn);
    const res = await https(target, '/1.0/sign', { body: { csr: csrPem, ott, notBefore: extra.notBefore ?? '', notAfter: extra.notAfter ?? '' } });
    assert.equal(res.status, 201, res.body.toString());
    const body = res.json<{ crt: string; ca: string }>();
    const x509 = new X509Certificate(body.crt);
    return { crt: body.crt, ca: body.ca, chain: body.crt + body.ca, key: keyPem, serial: decimalSerial(x509), x509 };
  }

  /** A certificate that expired an hour ago: signed as of three hours ago (a request can no longer ask for a past validity). */
  async function issueExpired(cn: string): Promise<Issued> {
    const { csrPem, keyPem } = opensslCsr('P-256', cn);
    const then = new Date(Date.now() - 3 * 3600_000);
    const t = Math.floor(then.getTime() / 1000);
    const ott = await signToken(ca, p, cn, { iat: t, nbf: t, exp: t + 300 });
    const signed = await ca.authority.sign(csrPem, ott, { notAfter: '2h' }, then);
    const crt = toPem(signed.certificate);
    const caPem = toPem(signed.chain[1]);
    const x509 = new X509Certificate(crt);
    return { crt, ca: caPem, chain: crt + caPem, key: keyPem, serial: decimalSerial(x509), x509 };
  }

  async function renewToken(cert: Issued, audience = `${ca.url}/1.0/renew`): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const der = (pem: string) => new X509Certificate(pem).raw.toString('base64');
    return new SignJWT({ sub: 'unused' })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: [der(cert.crt), der(cert.ca)] })
      .setSubject(cert.x509.subject.replace(/^CN=/, ''))
      .setAudience(audience)
      .setIssuer('step-ca-client/1.0')
      .setJti(randomBytes(16).toString('hex'))
      .setNotBefore(now)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(createPrivateKey(cert.key));
  }

  async function revokeWithToken(serial: string, reasonCode = 1, reason = 'key compromise'): Promise<void> {
    const ott = await signToken(ca, p, serial, { aud: `${ca.url}/1.0/revoke`, sans: undefined });
    const res = await https(ca, '/1.0/revoke', { body: { serial, ott, reasonCode, reason, passive: true } });
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(res.json(), { status: 'ok' });
  }

  describe('renew', () => {
    it('over mTLS: a new serial, the same names, extensions and duration', async () => {
      const old = await issue('renew-mtls.internal', { notAfter: '2h' });
      const res = await https(ca, '/renew', { method: 'POST', cert: old.chain, key: old.key });
      assert.equal(res.status, 201, res.body.toString());
      const renewed = new X509Certificate(res.json<{ crt: string }>().crt);
      assert.notEqual(renewed.serialNumber, old.x509.serialNumber);
      assert.equal(renewed.subject, old.x509.subject);
      assert.equal(renewed.subjectAltName, old.x509.subjectAltName);
      assert.equal(renewed.publicKey.export({ format: 'jwk' }).x, old.x509.publicKey.export({ format: 'jwk' }).x);
      const duration = (c: X509Certificate) => Date.parse(c.validTo) - Date.parse(c.validFrom);
      assert.equal(duration(renewed), duration(old.x509));
      assert.ok(Date.parse(renewed.validTo) >= Date.parse(old.x509.validTo));
      const stored = await ca.authority.store.certificate(decimalSerial(renewed));
      assert.ok(stored, 'stored');
      // Recorded as the certificate holds them: whole seconds.
      assert.deepEqual([stored.notBefore.getTime(), stored.notAfter.getTime()], [Date.parse(renewed.validFrom), Date.parse(renewed.validTo)]);
      assert.deepEqual(skiOf(renewed), skiOf(old.x509), 'the same key keeps its key identifier');
    });

    it('with a renew token (Authorization: Bearer), once', async () => {
      const old = await issue('renew-token.internal');
      const token = await renewToken(old);
      const res = await https(ca, '/1.0/renew', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 201, res.body.toString());
      assert.equal(new X509Certificate(res.json<{ crt: string }>().crt).subject, 'CN=renew-token.internal');
      const again = await https(ca, '/1.0/renew', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(again.status, 401);
      assert.match(again.json<{ message: string }>().message, /token already used/);
    });

    it('refuses a revoked certificate (401, as step-ca), an expired one (401), a foreign CA\'s (401), a forged one naming this CA\'s intermediate (401) and no certificate (401)', async () => {
      const revoked = await issue('revoked.internal');
      await revokeWithToken(revoked.serial);
      const r1 = await https(ca, '/renew', { method: 'POST', cert: revoked.chain, key: revoked.key });
      assert.equal(r1.status, 401);
      assert.match(r1.json<{ message: string }>().message, /revoked/);

      const expired = await issueExpired('expired.internal');
      const r2 = await https(ca, '/renew', { method: 'POST', cert: expired.chain, key: expired.key });
      assert.equal(r2.status, 401);
      assert.match(r2.json<{ message: string }>().message, /expired/);
      const r2b = await https(ca, '/renew', { method: 'POST', headers: { authorization: `Bearer ${await renewToken(expired)}` } });
      assert.equal(r2b.status, 401);

      const other = await startTestCa({ name: 'Other' });
      try {
        const foreign = await issue('foreign.internal', { ca: other, p: await provisionerKey(other) });
        const r3 = await https(ca, '/renew', { method: 'POST', cert: foreign.chain, key: foreign.key });
        assert.equal(r3.status, 401);
        assert.match(r3.json<{ message: string }>().message, /not issued by this CA/);
      } finally {
        await other.stop();
      }

      // The intermediate's name and key id, but another key's signature: the TLS handshake
      // cannot verify that chain, so the CA checks the signature itself and refuses it.
      const intermediate = parseCertificate(ca.authority.intermediates()[0]);
      const ski = intermediate.extensions.find((e) => e.id === OID.subjectKeyIdentifier);
      const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const leafKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const now = Date.now();
      const forged = issueLeaf(
        { commonName: 'forged.internal', sans: { dns: ['forged.internal'], ips: [], emails: [], uris: [] }, publicKey: spkiDer(leafKey.publicKey), notBefore: new Date(now - 60_000), notAfter: new Date(now + 3600_000) },
        { certificate: intermediate, keyId: readSubjectKeyIdentifier(ski?.value ?? Buffer.alloc(0)), signer: createSigner(forger.privateKey), publicKey: forger.publicKey },
      );
      const r5 = await https(ca, '/renew', { method: 'POST', cert: toPem(forged) + toPem(ca.authority.intermediates()[0]), key: leafKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() });
      assert.equal(r5.status, 401);
      assert.match(r5.json<{ message: string }>().message, /not issued by this CA/);

      const r4 = await https(ca, '/renew', { method: 'POST' });
      assert.equal(r4.status, 401);
      assert.equal(r4.json<{ status: number }>().status, 401);
    });
  });

  describe('rekey', () => {
    it('issues the same names for the new key; a revoked certificate cannot rekey', async () => {
      const old = await issue('rekey.internal');
      const next = opensslCsr('P-384', 'rekey.internal');
      const res = await https(ca, '/1.0/rekey', { body: { csr: next.csrPem }, cert: old.chain, key: old.key });
      assert.equal(res.status, 201, res.body.toString());
      const rekeyed = new X509Certificate(res.json<{ crt: string }>().crt);
      assert.equal(rekeyed.subject, 'CN=rekey.internal');
      assert.equal(rekeyed.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
      assert.ok(rekeyed.checkPrivateKey(createPrivateKey(next.keyPem)));
      const spki = rekeyed.publicKey.export({ format: 'der', type: 'spki' });
      assert.deepEqual(skiOf(rekeyed), keyIdentifier(spki), 'a new key gets its own key identifier');
      assert.notDeepEqual(skiOf(rekeyed), skiOf(old.x509));

      await revokeWithToken(old.serial);
      const refused = await https(ca, '/1.0/rekey', { body: { csr: opensslCsr('P-256', 'rekey.internal').csrPem }, cert: old.chain, key: old.key });
      assert.equal(refused.status, 401);
    });
  });

  describe('revoke', () => {
    it('by token, by mTLS (itself only), twice → error, unknown → 404', async () => {
      const a = await issue('rev-a.internal');
      const b = await issue('rev-b.internal');
      const c = await issue('rev-c.internal');
      await revokeWithToken(a.serial, 4, 'superseded');
      const again = await https(ca, '/revoke', { body: { serial: a.serial, ott: await signToken(ca, p, a.serial, { aud: `${ca.url}/1.0/revoke` }), passive: true } });
      assert.equal(again.status, 400);
      assert.match(again.json<{ message: string }>().message, /already revoked/);

      const other = await https(ca, '/revoke', { body: { serial: c.serial, reasonCode: 0, passive: true }, cert: b.chain, key: b.key });
      assert.equal(other.status, 403);
      assert.match(other.json<{ message: string }>().message, /only revoke itself/);
      const self = await https(ca, '/revoke', { body: { serial: b.serial, reasonCode: 0, passive: true }, cert: b.chain, key: b.key });
      assert.equal(self.status, 200, self.body.toString());
      const revocation = await ca.authority.store.revocation(b.serial);
      assert.equal(revocation?.reasonCode, 0);

      const unknown = '123456789';
      const missing = await https(ca, '/revoke', { body: { serial: unknown, ott: await signToken(ca, p, unknown, { aud: `${ca.url}/1.0/revoke` }), passive: true } });
      assert.equal(missing.status, 404);
    });

    it('refuses a sign token or a renew token at /revoke, and a revoke token at /sign', async () => {
      const cert = await issue('rev-d.internal');
      const signTok = await signToken(ca, p, cert.serial);
      const r1 = await https(ca, '/revoke', { body: { serial: cert.serial, ott: signTok, passive: true } });
      assert.equal(r1.status, 401);
      const r2 = await https(ca, '/revoke', { body: { serial: cert.serial, ott: await renewToken(cert), passive: true } });
      assert.equal(r2.status, 401);
      const revokeTok = await signToken(ca, p, 'rev-d.internal', { aud: `${ca.url}/1.0/revoke` });
      const r3 = await https(ca, '/sign', { body: { csr: opensslCsr('P-256', 'rev-d.internal').csrPem, ott: revokeTok } });
      assert.equal(r3.status, 401);
      assert.equal(await ca.authority.store.revocation(cert.serial), undefined);
    });

    it('refuses a token naming another serial, bad reason codes and active revocation', async () => {
      const cert = await issue('rev-e.internal');
      const tok = await signToken(ca, p, '42', { aud: `${ca.url}/1.0/revoke` });
      assert.equal((await https(ca, '/revoke', { body: { serial: cert.serial, ott: tok, passive: true } })).status, 401);
      const tok2 = await signClaims(p.key, p.kid, signClaimsFor(ca, p, cert.serial, { aud: `${ca.url}/1.0/revoke` }));
      assert.equal((await https(ca, '/revoke', { body: { serial: cert.serial, ott: tok2, reasonCode: 7, passive: true } })).status, 400);
      assert.equal((await https(ca, '/revoke', { body: { serial: cert.serial, ott: tok2, passive: false } })).status, 400);
      assert.equal((await https(ca, '/revoke', { body: { serial: 'abc', ott: tok2, passive: true } })).status, 400);
      assert.equal(await ca.authority.store.revocation(cert.serial), undefined, 'nothing recorded');
    });
  });

  describe('CRL', () => {
    it('is signed by the intermediate, lists revoked serials with reasons, and openssl uses it', async () => {
      const good = await issue('crl-good.internal');
      const bad = await issue('crl-bad.internal');
      await revokeWithToken(bad.serial, 1, 'key compromise');
      const dir = tempDir('fedca-crl-');
      try {
        const pemRes = await https(ca, '/1.0/crl?pem=true');
        assert.equal(pemRes.status, 200);
        assert.match(String(pemRes.headers['content-type']), /application\/x-pem-file/);
        const derRes = await https(ca, '/crl');
        assert.match(String(derRes.headers['content-type']), /application\/pkix-crl/);
        const crlFile = join(dir, 'crl.pem');
        writeFileSync(crlFile, pemRes.body);
        writeFileSync(join(dir, 'chain.pem'), good.ca + ca.rootPem);
        const verified = execFileSync('openssl', ['crl', '-in', crlFile, '-CAfile', join(dir, 'chain.pem'), '-verify', '-noout', '-text'], { stdio: 'pipe' }).toString();
        assert.match(verified, /X509v3 CRL Number/);
        assert.match(verified, /X509v3 Authority Key Identifier/);
        const serialHex = BigInt(bad.serial).toString(16).toUpperCase().padStart(2, '0');
        assert.ok(verified.toUpperCase().replace(/:/g, '').includes(serialHex), 'revoked serial listed');
        assert.match(verified, /Key Compromise/);
        writeFileSync(join(dir, 'good.pem'), good.crt);
        writeFileSync(join(dir, 'bad.pem'), bad.crt);
        writeFileSync(join(dir, 'int.pem'), good.ca);
        const ok = execFileSync('openssl', ['verify', '-crl_check', '-CAfile', ca.rootFile, '-untrusted', join(dir, 'int.pem'), '-CRLfile', crlFile, join(dir, 'good.pem')]).toString();
        assert.match(ok, /good\.pem: OK/);
        assert.throws(
          () => execFileSync('openssl', ['verify', '-crl_check', '-CAfile', ca.rootFile, '-untrusted', join(dir, 'int.pem'), '-CRLfile', crlFile, join(dir, 'bad.pem')], { stdio: 'pipe' }),
          (err: { stdout?: Buffer; stderr?: Buffer }) => /certificate revoked/.test(`${err.stdout}${err.stderr}`),
        );
        const text = execFileSync('openssl', ['x509', '-in', join(dir, 'good.pem'), '-noout', '-ext', 'crlDistributionPoints']).toString();
        assert.match(text, new RegExp(`URI:https://localhost:${ca.port}/1\\.0/crl`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('numbers grow with each revocation', async () => {
      const number = async () => {
        const text = execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-crlnumber'], { input: (await https(ca, '/crl')).body }).toString();
        return BigInt(text.split('=')[1].trim());
      };
      const before = await number();
      assert.equal(await number(), before, 'unchanged without a revocation');
      await revokeWithToken((await issue('crl-n.internal')).serial);
      assert.equal(await number(), before + 1n);
    });
  });
});
