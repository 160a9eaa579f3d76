import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createCsr } from '../src/pki/csrBuilder.js';
import { generateKey, privateKeyPem, type KeySpec } from '../src/pki/keys.js';
import { toPem } from '../src/pki/pem.js';
import { CaClient } from '../src/sdk/caClient.js';
import type { ClientCertificate } from '../src/sdk/clientCertificate.js';
import { CaConnectionError, CaError } from '../src/sdk/errors.js';
import { Provisioner } from '../src/sdk/provisioner.js';
import { createRenewToken } from '../src/sdk/renewToken.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

const decimalSerial = (pem: string): string => BigInt('0x' + new X509Certificate(pem).serialNumber).toString(10);
const publicJwk = (pem: string) => new X509Certificate(pem).publicKey.export({ format: 'jwk' });

/** What openssl prints of a CRL (DER or PEM). */
function opensslCrlText(crl: Buffer | string): string {
  const inform = typeof crl === 'string' ? 'PEM' : 'DER';
  return execFileSync('openssl', ['crl', '-inform', inform, '-noout', '-text'], { input: crl, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
}

/** Whether openssl's CRL text lists this (decimal) serial. */
const listsSerial = (text: string, serial: string): boolean => text.toUpperCase().replace(/:/g, '').includes(BigInt(serial).toString(16).toUpperCase());

describe('CaClient lifecycle: renew, renewWithToken, rekey, revoke, crl', () => {
  let ca: TestCa;
  let client: CaClient;
  let provisioner: Provisioner;
  before(async () => {
    ca = await startTestCa();
    client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
    provisioner = await Provisioner.load(client, { name: 'admin' }, ca.password);
  });
  after(async () => {
    client.close();
    await ca.stop();
  });

  /** A certificate for `cn` from the test CA: its chain and key, PEM. */
  async function issue(cn: string, spec: KeySpec = { kty: 'EC' }): Promise<ClientCertificate> {
    const key = generateKey(spec);
    const signed = await client.sign({ csrPem: toPem(createCsr(key, cn, [cn]), 'CERTIFICATE REQUEST'), ott: await provisioner.token(cn) });
    return { certPem: signed.certChain.join(''), keyPem: privateKeyPem(key) };
  }

  describe('renew (mTLS)', () => {
    it('a new serial for the same subject and key, chained to the root', async () => {
      const old = await issue('sdk-renew.internal');
      const renewed = await client.renew(old);
      assert.notEqual(decimalSerial(renewed.crt), decimalSerial(old.certPem));
      assert.equal(new X509Certificate(renewed.crt).subject, 'CN=sdk-renew.internal');
      assert.deepEqual(publicJwk(renewed.crt), publicJwk(old.certPem));
      assert.deepEqual(renewed.certChain, [renewed.crt, renewed.ca]);
      assert.ok(new X509Certificate(renewed.ca).verify(new X509Certificate(ca.rootPem).publicKey));
    });

    it('still pins the CA root: a client trusting another root cannot connect', async () => {
      const old = await issue('sdk-pin.internal');
      const other = await startTestCa({ name: 'Other' });
      const wrongTrust = new CaClient({ caUrl: ca.url, rootPem: other.rootPem });
      try {
        await assert.rejects(wrongTrust.renew(old), CaConnectionError);
      } finally {
        wrongTrust.close();
        await other.stop();
      }
    });

    it('a key that is not the certificate\'s is refused before anything is sent', async () => {
      const old = await issue('sdk-mismatch.internal');
      const stranger = privateKeyPem(generateKey({ kty: 'EC' }));
      await assert.rejects(client.renew({ certPem: old.certPem, keyPem: stranger }), (err: Error) => err instanceof TypeError && /not the key of the certificate/.test(err.message));
      await assert.rejects(client.renew({ certPem: 'no pem here', keyPem: old.keyPem }), (err: Error) => err instanceof TypeError && /holds no certificate/.test(err.message));
    });
  });

  describe('renewWithToken', () => {
    it('builds the renew token of api.md: x5c chain, sub = CN, aud …/1.0/renew, iss step-ca-client/1.0, 5 minutes', async () => {
      const cert = await issue('sdk-token.internal');
      const token = await createRenewToken(cert, client.caUrl);
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, 'ES256');
      assert.equal(header.typ, 'JWT');
      const chainB64 = cert.certPem.split(/(?=-----BEGIN)/).map((pem) => new X509Certificate(pem).raw.toString('base64'));
      assert.deepEqual(header.x5c, chainB64);
      const claims = decodeJwt(token);
      assert.equal(claims.sub, 'sdk-token.internal');
      assert.equal(claims.aud, `${ca.url}/1.0/renew`);
      assert.equal(claims.iss, 'step-ca-client/1.0');
      assert.equal(typeof claims.jti, 'string');
      assert.equal(claims.nbf, claims.iat);
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 300);
    });

    it('renews EC and Ed25519 certificates by token; a revoked one is refused', async () => {
      for (const spec of [{ kty: 'EC', curve: 'P-384' }, { kty: 'OKP' }] as const) {
        const old = await issue(`sdk-bearer-${spec.kty}.internal`, spec);
        const renewed = await client.renewWithToken(old);
        assert.notEqual(decimalSerial(renewed.crt), decimalSerial(old.certPem));
        assert.deepEqual(publicJwk(renewed.crt), publicJwk(old.certPem));
      }
      const revoked = await issue('sdk-bearer-revoked.internal');
      await client.revoke({ serial: decimalSerial(revoked.certPem), ott: await provisioner.revokeToken(decimalSerial(revoked.certPem)) });
      await assert.rejects(client.renewWithToken(revoked), (err: Error) => err instanceof CaError && err.status === 401 && /revoked/.test(err.serverMessage));
    });
  });

  describe('rekey', () => {
    it('re-issues the certificate for the CSR\'s new key', async () => {
      const old = await issue('sdk-rekey.internal');
      const next = generateKey({ kty: 'EC', curve: 'P-384' });
      const rekeyed = await client.rekey({ ...old, csrPem: toPem(createCsr(next, 'sdk-rekey.internal', []), 'CERTIFICATE REQUEST') });
      const leaf = new X509Certificate(rekeyed.crt);
      assert.equal(leaf.subject, 'CN=sdk-rekey.internal');
      assert.ok(leaf.checkPrivateKey(next));
      assert.ok(!leaf.checkPrivateKey(createPrivateKey(old.keyPem)));
      assert.notEqual(decimalSerial(rekeyed.crt), decimalSerial(old.certPem));
    });
  });

  describe('revoke', () => {
    it('by a provisioner revoke token, with the reason; renewal is then refused', async () => {
      const cert = await issue('sdk-revoke-token.internal');
      const serial = decimalSerial(cert.certPem);
      await client.revoke({ serial, ott: await provisioner.revokeToken(serial), reasonCode: 1, reason: 'key compromise' });
      const revocation = await ca.authority.store.revocation(serial);
      assert.equal(revocation?.reasonCode, 1);
      assert.equal(revocation?.reason, 'key compromise');
      await assert.rejects(client.renew(cert), (err: Error) => err instanceof CaError && err.status === 401 && /revoked/.test(err.serverMessage));
    });

    it('by the certificate itself over mTLS, but not another certificate', async () => {
      const a = await issue('sdk-revoke-a.internal');
      const b = await issue('sdk-revoke-b.internal');
      await assert.rejects(client.revoke({ serial: decimalSerial(b.certPem), ...a }), (err: Error) => err instanceof CaError && err.status === 403);
      await client.revoke({ serial: decimalSerial(a.certPem), ...a, reasonCode: 4 });
      assert.equal((await ca.authority.store.revocation(decimalSerial(a.certPem)))?.reasonCode, 4);
      assert.equal(await ca.authority.store.revocation(decimalSerial(b.certPem)), undefined);
    });

    it('a serial that is not decimal is a TypeError', async () => {
      await assert.rejects(client.revoke({ serial: '0x1f', ott: 'x.y.z' }), TypeError);
    });
  });

  describe('crl', () => {
    it('DER and PEM, both readable by openssl, listing a revoked serial', async () => {
      const cert = await issue('sdk-crl.internal');
      const serial = decimalSerial(cert.certPem);
      await client.revoke({ serial, ott: await provisioner.revokeToken(serial), reasonCode: 1 });
      const der = await client.crl();
      assert.ok(Buffer.isBuffer(der));
      const pem = await client.crl({ pem: true });
      assert.equal(typeof pem, 'string');
      assert.match(pem, /^-----BEGIN X509 CRL-----/);
      for (const text of [opensslCrlText(der), opensslCrlText(pem)]) {
        assert.match(text, /Certificate Revocation List/);
        assert.ok(listsSerial(text, serial), `serial ${serial} listed in:\n${text}`);
      }
    });

    it('a CA that publishes no CRL answers 404', async () => {
      const quiet = await startTestCa({ editConfig: (c) => (c.crl = { enabled: false }) });
      const quietClient = new CaClient({ caUrl: quiet.url, rootPem: quiet.rootPem });
      try {
        await assert.rejects(quietClient.crl(), (err: Error) => err instanceof CaError && err.status === 404);
      } finally {
        quietClient.close();
        await quiet.stop();
      }
    });
  });
});
