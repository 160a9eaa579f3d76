import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { toPem } from '../src/pki/pem.js';
import { parseCrl } from '../src/pki/readCrl.js';
import { exec } from './helpers/exec.js';
import { issueCertificate, revokeCertificate } from './helpers/issued.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, type ProvisionerKey } from './helpers/tokens.js';

/** The URLs a leaf points at for its CRL, OCSP and issuer. */
function locations(pem: string): { crl: string[]; ocsp: string[]; caIssuers: string[] } {
  const leaf = new x509.X509Certificate(pem);
  const cdp = leaf.getExtension(x509.CRLDistributionPointsExtension);
  const aia = leaf.getExtension(x509.AuthorityInfoAccessExtension);
  const uris = (names: { type: string; value: string }[] | undefined): string[] => (names ?? []).filter((n) => n.type === 'url').map((n) => n.value);
  return {
    crl: Array.from(cdp?.distributionPoints ?? []).flatMap((d) => (d.distributionPoint?.fullName ?? []).map((n) => n.uniformResourceIdentifier).filter((u): u is string => u !== undefined)),
    ocsp: uris(aia?.ocsp.map((n) => n.toJSON())),
    caIssuers: uris(aia?.caIssuers.map((n) => n.toJSON())),
  };
}

describe('insecureAddress: revocation data over plain HTTP', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let dir: string;
  let base: string;

  before(async () => {
    ca = await startTestCa({ editConfig: (c) => (c.insecureAddress = '127.0.0.1:0') });
    p = await provisionerKey(ca);
    dir = tempDir('fedca-insecure-');
    // The CDP of a fresh leaf says where the listener is; 127.0.0.1 rather than localhost, which may resolve to ::1 first.
    const probe = await issueCertificate(ca, p, 'probe.example');
    base = (locations(probe.certPem).crl[0] ?? '').replace('/1.0/crl', '').replace('localhost', '127.0.0.1');
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  });
  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await ca?.stop();
  });

  const curl = (path: string, ...args: string[]) => exec('curl', ['-sS', '-o', '-', '-w', '\n%{http_code} %{content_type}', ...args, `${base}${path}`]);

  it('new leaves point their CRL distribution point, OCSP and caIssuers at the plain-HTTP listener', async () => {
    const leaf = await issueCertificate(ca, p, 'svc.example');
    const http = base.replace('127.0.0.1', 'localhost');
    assert.deepEqual(locations(leaf.certPem), { crl: [`${http}/1.0/crl`], ocsp: [`${http}/1.0/ocsp`], caIssuers: [`${http}/1.0/intermediates.pem`] });
  });

  it('curl http://.../crl: the CRL, DER, signed by the intermediate', async () => {
    const file = join(dir, 'crl.der');
    const run = await exec('curl', ['-sS', '-f', '-o', file, `${base}/crl`]);
    assert.equal(run.status, 0, run.stderr);
    const verified = await exec('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-CAfile', await chainFile()]);
    assert.match(verified.stderr + verified.stdout, /verify OK/);
  });

  it('curl http://.../roots.pem and /1.0/intermediates.pem: the CA certificates as PEM', async () => {
    const roots = await curl('/roots.pem');
    assert.equal(roots.stdout, `${ca.rootPem}\n200 application/x-pem-file; charset=utf-8`);
    const intermediates = await curl('/1.0/intermediates.pem');
    assert.equal(intermediates.stdout, `${toPem(ca.authority.intermediate.certificate.der)}\n200 application/x-pem-file; charset=utf-8`);
  });

  async function chainFile(): Promise<string> {
    const file = join(dir, 'chain.pem');
    writeFileSync(file, toPem(ca.authority.intermediate.certificate.der) + ca.rootPem);
    return file;
  }

  it('openssl ocsp -url http://...: good, then revoked once the certificate is revoked', async () => {
    const leaf = await issueCertificate(ca, p, 'ocsp.example');
    const leafFile = join(dir, 'leaf.pem');
    const issuerFile = join(dir, 'issuer.pem');
    writeFileSync(leafFile, leaf.certPem);
    writeFileSync(issuerFile, toPem(ca.authority.intermediate.certificate.der));
    const ask = () => exec('openssl', ['ocsp', '-issuer', issuerFile, '-cert', leafFile, '-url', `${base}/ocsp`, '-CAfile', ca.rootFile]);
    const good = await ask();
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, /leaf\.pem: good/);
    assert.match(good.stderr, /Response verify OK/);
    await revokeCertificate(ca, p, leaf.serial);
    assert.match((await ask()).stdout, /leaf\.pem: revoked/);
    // The CRL over HTTP lists it too.
    const crl = await exec('curl', ['-sS', '-f', '-o', join(dir, 'after.der'), `${base}/1.0/crl`]);
    assert.equal(crl.status, 0, crl.stderr);
  });

  it('nothing else is served over HTTP: the JSON 404 for every other route', async () => {
    const others: [string, string[]][] = [
      ['/health', []],
      ['/1.0/roots', []],
      ['/federation.pem', []],
      ['/provisioners', []],
      ['/crl/changes', []],
      ['/1.0/sign', ['-X', 'POST', '-H', 'content-type: application/json', '-d', '{}']],
      ['/revoke', ['-X', 'POST', '-H', 'content-type: application/json', '-d', '{}']],
      ['/renew', ['-X', 'POST']],
    ];
    for (const [path, args] of others) {
      const run = await curl(path, ...args);
      const [body, status] = run.stdout.split('\n');
      assert.equal(status, '404 application/json; charset=utf-8', `${path}: ${run.stdout}`);
      assert.equal((JSON.parse(body) as { status: number }).status, 404);
    }
  });

  it('the CRL over HTTPS is the same CRL', async () => {
    const overHttp = await exec('curl', ['-sS', '-f', '-o', join(dir, 'http.der'), `${base}/crl`]);
    assert.equal(overHttp.status, 0);
    const number = (file: string) => parseCrl(readFileSync(file)).crlNumber;
    const https = await exec('curl', ['-sS', '-f', '--cacert', ca.rootFile, '-o', join(dir, 'https.der'), `${ca.url}/crl`]);
    assert.equal(https.status, 0, https.stderr);
    assert.equal(number(join(dir, 'http.der')), number(join(dir, 'https.der')));
  });

  describe('config', () => {
    for (const [value, message] of [
      ['nope', /insecureAddress: must be HOST:PORT, \[IPv6\]:PORT or :PORT, got "nope"/],
      ['127.0.0.1:9000', /insecureAddress: must differ from address/],
      [7, /insecureAddress: must be a non-empty string/],
    ] as const) {
      it(`refuses insecureAddress ${JSON.stringify(value)}, naming the key`, async () => {
        const err = await startTestCa({ editConfig: (c) => Object.assign(c, { address: '127.0.0.1:9000', insecureAddress: value }) }).catch((e: Error) => e);
        assert.ok(err instanceof Error, 'the CA did not start');
        assert.match(err.message, message);
      });
    }

    it('without insecureAddress, new leaves point at the HTTPS address and carry no caIssuers', async () => {
      const plain = await startTestCa();
      try {
        const leaf = await issueCertificate(plain, await provisionerKey(plain), 'svc.example');
        const where = locations(leaf.certPem);
        assert.deepEqual(where.crl, [`https://localhost:${plain.port}/1.0/crl`]);
        assert.deepEqual(where.caIssuers, []);
      } finally {
        await plain.stop();
      }
    });
  });
});
