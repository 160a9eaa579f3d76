import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from '../src/pki/fingerprint.js';
import { pemDers, toPem } from '../src/pki/pem.js';
import { exec, opensslCertificateCount } from './helpers/exec.js';
import { otherRoot } from './helpers/fixtures.js';
import { assertJsonError, assertOk, get } from './helpers/http.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Colon-separated upper-case hex, as `openssl x509 -fingerprint` prints it. */
const colonUpper = (hex: string): string => (hex.toUpperCase().match(/../g) ?? []).join(':');

describe('publication endpoints (roots, federation, intermediates)', () => {
  let ca: TestCa;
  let fixtures: string;
  const federatedA = otherRoot('Federated A');
  const federatedB = otherRoot('Federated B');
  let ownRoot: Buffer;
  let intermediatePem: string;

  before(async () => {
    fixtures = tempDir();
    const bundle = join(fixtures, 'partners.crt');
    // Two roots, one of them twice: the federation must list each once.
    writeFileSync(bundle, toPem(federatedA) + toPem(federatedB) + toPem(federatedA));
    ca = await startTestCa({
      editConfig: (config) => {
        // The CA's own root again (a relative path, resolved against the home): listed once, first.
        config.federatedRoots = [bundle, 'pki/root_ca.crt'];
      },
    });
    ownRoot = pemDers(ca.rootPem)[0];
    intermediatePem = readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8');
  });

  after(async () => {
    await ca?.stop();
    rmSync(fixtures, { recursive: true, force: true });
  });

  for (const prefix of ['', '/1.0']) {
    describe(`at ${prefix || '/'}`, () => {
      it('GET /health answers {"status":"ok"}', async () => {
        const res = await get(ca, `${prefix}/health`);
        assertOk(res);
        assert.deepEqual(res.body, { status: 'ok' });
      });

      it('GET /version answers the package version and no client authentication', async () => {
        const res = await get(ca, `${prefix}/version`);
        assertOk(res);
        assert.deepEqual(res.body, { version: PACKAGE_VERSION, requireClientAuthentication: false });
      });

      it('GET /roots lists the own root only', async () => {
        const res = await get(ca, `${prefix}/roots`);
        assertOk(res);
        assert.deepEqual(res.body, { crts: [toPem(ownRoot)] });
      });

      it('GET /roots.pem is the own root as a PEM file', async () => {
        const res = await get(ca, `${prefix}/roots.pem`).buffer(true);
        assertOk(res, 'application/x-pem-file');
        assert.deepEqual(pemDers(res.text), [ownRoot]);
      });

      it('GET /federation lists the own root first, then each federated root once', async () => {
        const res = await get(ca, `${prefix}/federation`);
        assertOk(res);
        assert.deepEqual(res.body, { crts: [ownRoot, federatedA, federatedB].map((d) => toPem(d)) });
      });

      it('GET /federation.pem is the same bundle as PEM', async () => {
        const res = await get(ca, `${prefix}/federation.pem`).buffer(true);
        assertOk(res, 'application/x-pem-file');
        assert.deepEqual(pemDers(res.text), [ownRoot, federatedA, federatedB]);
      });

      it('GET /intermediates and /intermediates.pem give the issuing intermediate', async () => {
        const json = await get(ca, `${prefix}/intermediates`);
        assertOk(json);
        assert.deepEqual(json.body, { crts: [intermediatePem] });
        const pem = await get(ca, `${prefix}/intermediates.pem`).buffer(true);
        assertOk(pem, 'application/x-pem-file');
        assert.equal(pem.text, intermediatePem);
      });

      it('GET /root/{sha} finds the own root by its fingerprint in upper case with colons', async () => {
        const res = await get(ca, `${prefix}/root/${colonUpper(ca.rootFingerprint)}`);
        assertOk(res);
        assert.deepEqual(res.body, { ca: ca.rootPem });
      });

      it('GET /root/{sha} finds a federated root too (dashes ignored)', async () => {
        const sha = (fingerprint(federatedB).match(/.{8}/g) ?? []).join('-');
        const res = await get(ca, `${prefix}/root/${sha}`);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { ca: toPem(federatedB) });
      });

      it('GET /root/{sha} of an unknown certificate is a 404 JSON error', async () => {
        assertJsonError(await get(ca, `${prefix}/root/${fingerprint(Buffer.from('not a root'))}`), 404);
        // The intermediate is published, but it is not a root.
        assertJsonError(await get(ca, `${prefix}/root/${fingerprint(pemDers(intermediatePem)[0])}`), 404);
      });
    });
  }

  it('the fingerprint the CA reports is the SHA-256 of the root it serves', () => {
    assert.equal(ca.rootFingerprint, new X509Certificate(ownRoot).fingerprint256.replace(/:/g, '').toLowerCase());
  });

  it('curl --cacert ROOT fetches /federation.pem, and openssl reads every certificate of it', async () => {
    const saved = join(fixtures, 'federated.pem');
    const curl = await exec('curl', ['-sS', '--fail', '--cacert', ca.rootFile, '--resolve', `localhost:${ca.port}:127.0.0.1`, '-o', saved, `https://localhost:${ca.port}/federation.pem`]);
    assert.equal(curl.status, 0, curl.stderr);
    assert.equal(await opensslCertificateCount(saved), 3);
  });

  it('curl refuses the CA without its root (the served chain does not chain to a public CA)', async () => {
    const curl = await exec('curl', ['-sS', '--resolve', `localhost:${ca.port}:127.0.0.1`, '--cacert', join(fixtures, 'partners.crt'), `https://localhost:${ca.port}/health`]);
    // 60: CURLE_PEER_FAILED_VERIFICATION, the TLS handshake reached the CA and its chain was refused.
    assert.equal(curl.status, 60, curl.stderr);
    assert.match(curl.stderr, /SSL certificate problem/);
    assert.equal(curl.stdout, '', 'nothing was fetched');
  });
});
