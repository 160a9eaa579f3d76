import assert from 'node:assert/strict';
import { request } from 'node:http';
import { toPem } from '../src/pki/pem.js';
import { parseCrl } from '../src/pki/readCrl.js';
import { https, type HttpsResponse } from './helpers/https.js';
import { issueCertificate, revokeCertificate } from './helpers/issued.js';
import { closedPort } from './helpers/ports.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, type ProvisionerKey } from './helpers/tokens.js';

type Fetch = (path: string, options?: { method?: string; headers?: Record<string, string> }) => Promise<HttpsResponse>;

/** One request over plain HTTP to 127.0.0.1:`port` (fresh connection). */
const plainHttp =
  (port: number): Fetch =>
  (path, options = {}) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body.toString()) as T });
        });
      });
      req.on('error', reject);
      req.end();
    });

/** A header that must be there, as one string. */
function header(res: HttpsResponse, name: string): string {
  const value = res.headers[name];
  assert.equal(typeof value, 'string', `no ${name} header`);
  return value as string;
}

describe('GET /crl: validators, 304, HEAD and PEM, on the HTTPS API and the insecureAddress listener', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let insecurePort: number;

  before(async () => {
    insecurePort = await closedPort();
    ca = await startTestCa({ editConfig: (c) => (c.insecureAddress = `127.0.0.1:${insecurePort}`) });
    p = await provisionerKey(ca);
  });
  after(async () => ca?.stop());

  const listeners: { name: string; fetch: () => Fetch }[] = [
    { name: 'HTTPS API', fetch: () => (path, options) => https(ca, path, options) },
    { name: 'insecureAddress (plain HTTP)', fetch: () => plainHttp(insecurePort) },
  ];

  for (const listener of listeners) {
    describe(listener.name, () => {
      let fetch: Fetch;
      before(() => (fetch = listener.fetch()));

      it('answers the DER with a strong ETag, Last-Modified = thisUpdate and no-cache', async () => {
        const res = await fetch('/1.0/crl');
        assert.equal(res.status, 200);
        assert.equal(header(res, 'content-type'), 'application/pkix-crl');
        assert.equal(Number(header(res, 'content-length')), res.body.length);
        assert.match(header(res, 'etag'), /^"[^"]+"$/);
        assert.equal(header(res, 'last-modified'), parseCrl(res.body).thisUpdate.toUTCString());
        assert.equal(header(res, 'cache-control'), 'no-cache');
      });

      it('answers 304 with no body to If-None-Match naming its ETag (weak, in a list, or *), 200 to another tag', async () => {
        const first = await fetch('/crl');
        const etag = header(first, 'etag');
        for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
          const res = await fetch('/crl', { headers: { 'if-none-match': ifNoneMatch } });
          assert.equal(res.status, 304, ifNoneMatch);
          assert.equal(res.body.length, 0);
          assert.equal(header(res, 'etag'), etag);
          assert.equal(header(res, 'last-modified'), header(first, 'last-modified'));
        }
        const other = await fetch('/crl', { headers: { 'if-none-match': '"crl-0-0"' } });
        assert.equal(other.status, 200);
        assert.ok(other.body.equals(first.body));
      });

      it('answers 304 to If-Modified-Since at or after Last-Modified, 200 before it or to a date it cannot read', async () => {
        const first = await fetch('/crl');
        const lastModified = new Date(header(first, 'last-modified'));
        const at = async (value: string): Promise<number> => (await fetch('/crl', { headers: { 'if-modified-since': value } })).status;
        assert.equal(await at(lastModified.toUTCString()), 304);
        assert.equal(await at(new Date(lastModified.getTime() + 3_600_000).toUTCString()), 304);
        assert.equal(await at(new Date(lastModified.getTime() - 1000).toUTCString()), 200);
        assert.equal(await at('9999'), 200);
        assert.equal(await at('yesterday'), 200);
        // If-None-Match decides when both are sent.
        const both = await fetch('/crl', { headers: { 'if-none-match': '"crl-0-0"', 'if-modified-since': lastModified.toUTCString() } });
        assert.equal(both.status, 200);
      });

      it('a revocation changes the ETag and Last-Modified: the old ETag gets the new CRL', async () => {
        const before = await fetch('/crl');
        const leaf = await issueCertificate(ca, p, `crl-etag-${listener.name.length}.example`);
        await revokeCertificate(ca, p, leaf.serial);
        const after = await fetch('/crl', { headers: { 'if-none-match': header(before, 'etag'), 'if-modified-since': header(before, 'last-modified') } });
        assert.equal(after.status, 200);
        assert.notEqual(header(after, 'etag'), header(before, 'etag'));
        assert.ok(new Date(header(after, 'last-modified')) > new Date(header(before, 'last-modified')));
        assert.ok(parseCrl(after.body).serials.includes(BigInt(leaf.serial)));
        const ifModifiedSince = await fetch('/crl', { headers: { 'if-modified-since': header(before, 'last-modified') } });
        assert.equal(ifModifiedSince.status, 200, 'If-Modified-Since of the old CRL');
      });

      it('HEAD: the headers of GET, no body', async () => {
        const get = await fetch('/1.0/crl');
        const head = await fetch('/1.0/crl', { method: 'HEAD' });
        assert.equal(head.status, 200);
        assert.equal(head.body.length, 0);
        assert.equal(header(head, 'content-length'), String(get.body.length));
        assert.equal(header(head, 'etag'), header(get, 'etag'));
        const notModified = await fetch('/1.0/crl', { method: 'HEAD', headers: { 'if-none-match': header(get, 'etag') } });
        assert.equal(notModified.status, 304);
      });

      it('?pem=true: the same CRL as PEM, with an ETag of its own and 304 to it', async () => {
        const der = await fetch('/crl');
        const pem = await fetch('/1.0/crl?pem=true');
        assert.equal(pem.status, 200);
        assert.equal(header(pem, 'content-type'), 'application/x-pem-file; charset=utf-8');
        assert.equal(pem.body.toString(), toPem(der.body, 'X509 CRL'));
        assert.notEqual(header(pem, 'etag'), header(der, 'etag'));
        assert.equal(header(pem, 'last-modified'), header(der, 'last-modified'));
        assert.equal((await fetch('/crl?pem=1', { headers: { 'if-none-match': header(pem, 'etag') } })).status, 304);
        assert.equal((await fetch('/crl', { headers: { 'if-none-match': header(pem, 'etag') } })).status, 200, 'the PEM ETag for the DER');
      });

      it('other methods are the JSON 404', async () => {
        const res = await fetch('/crl', { method: 'DELETE' });
        assert.equal(res.status, 404);
        assert.equal(res.json<{ code: string }>().code, 'ERR_NOT_FOUND');
      });
    });
  }
});

describe('GET /crl of a CA that publishes no CRL', () => {
  let ca: TestCa;
  before(async () => (ca = await startTestCa({ editConfig: (c) => (c.crl = { enabled: false }) })));
  after(async () => ca?.stop());

  it('is the JSON 404, with or without validators', async () => {
    for (const headers of [{}, { 'if-none-match': '*' }] as Record<string, string>[]) {
      const res = await https(ca, '/1.0/crl', { headers });
      assert.equal(res.status, 404);
      assert.equal(res.json<{ code: string }>().code, 'ERR_NOT_FOUND');
    }
  });
});
