import assert from 'node:assert/strict';
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { opensslCsr } from './helpers/csr.js';
import { https } from './helpers/https.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';

const execFile = promisify(execFileCb);

/** The real `openssl ocsp` client; async, since the CA it asks runs in this very process. */
async function openssl(args: string[]): Promise<string> {
  const { stdout, stderr } = await execFile('openssl', args);
  return stdout + stderr;
}

describe('OCSP responder (RFC 6960)', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let dir: string;
  let intermediateFile: string;

  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
    dir = tempDir('fedca-ocsp-');
    intermediateFile = join(ca.home, 'pki/intermediate_ca.crt');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ca.stop();
  });

  async function issue(cn: string): Promise<{ file: string; serial: string }> {
    const { csrPem } = opensslCsr('P-256', cn);
    const res = await https(ca, '/1.0/sign', { body: { csr: csrPem, ott: await signToken(ca, p, cn) } });
    assert.equal(res.status, 201, res.body.toString());
    const crt = res.json<{ crt: string }>().crt;
    const file = join(dir, `${cn}.crt`);
    writeFileSync(file, crt);
    return { file, serial: BigInt('0x' + new X509Certificate(crt).serialNumber).toString(10) };
  }

  /** Asks the CA about `target` (-cert FILE or -serial N) with `openssl ocsp`. */
  const ask = (target: string[], extra: string[] = []): Promise<string> =>
    openssl(['ocsp', '-issuer', intermediateFile, ...target, '-url', `${ca.url}/1.0/ocsp`, '-CAfile', ca.rootFile, ...extra]);

  it('answers good for a live certificate, with a verifying signature and the nonce echoed', async () => {
    const { file } = await issue('ocsp-good.internal');
    const text = await ask(['-cert', file], ['-resp_text']);
    assert.match(text, /Response verify OK/);
    assert.match(text, /Cert Status: good/);
    assert.match(text, /OCSP Nonce/);
    assert.match(text, /OCSP Signing/);
    assert.match(text, /OCSP No Check/);
    assert.match(execFileSync('openssl', ['x509', '-in', file, '-noout', '-ext', 'authorityInfoAccess']).toString(), new RegExp(`OCSP - URI:${ca.url}/1.0/ocsp`));
  });

  it('answers revoked, with time and reason, once the certificate is revoked', async () => {
    const { file, serial } = await issue('ocsp-revoked.internal');
    const res = await https(ca, '/1.0/revoke', { body: { serial, ott: await signToken(ca, p, serial, { aud: `${ca.url}/1.0/revoke` }), reasonCode: 1, reason: 'key compromise', passive: true } });
    assert.equal(res.status, 200);
    const text = await ask(['-cert', file]);
    assert.match(text, /Response verify OK/);
    assert.match(text, /: revoked/);
    assert.match(text, /Reason: keyCompromise/);
    assert.match(text, /Revocation Time:/);
  });

  it('answers unknown for a serial this CA never issued', async () => {
    assert.match(await ask(['-serial', '0x1234567890'], ['-resp_text']), /Cert Status: unknown/);
  });

  it('answers the GET form (URL-encoded base64), cacheable without a nonce', async () => {
    const { file } = await issue('ocsp-get.internal');
    const reqFile = join(dir, 'req.der');
    execFileSync('openssl', ['ocsp', '-issuer', intermediateFile, '-cert', file, '-no_nonce', '-reqout', reqFile]);
    const encoded = encodeURIComponent(readFileSync(reqFile).toString('base64'));
    const res = await https(ca, `/ocsp/${encoded}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/ocsp-response');
    assert.match(String(res.headers['cache-control']), /max-age=\d+/);
    const respFile = join(dir, 'resp.der');
    writeFileSync(respFile, res.body);
    const out = execFileSync('openssl', ['ocsp', '-respin', respFile, '-issuer', intermediateFile, '-cert', file, '-CAfile', ca.rootFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(out.toString(), /: good/);
  });

  it('refuses a body over 16 KiB (413) and a GET path that does not URL-decode (400), as JSON errors', async () => {
    const big = await https(ca, '/1.0/ocsp', { body: 'x'.repeat(17 * 1024), headers: { 'content-type': 'application/ocsp-request' } });
    assert.equal(big.status, 413);
    assert.match(big.json<{ message: string }>().message, /OCSP request body too large/);
    const bad = await https(ca, '/1.0/ocsp/%E0%A4%A');
    assert.equal(bad.status, 400);
    assert.match(bad.json<{ message: string }>().message, /not URL-encoded base64/);
  });

  it('answers malformedRequest to garbage, and unauthorized for another issuer', async () => {
    const empty = await https(ca, '/1.0/ocsp', { method: 'POST', headers: { 'content-type': 'application/ocsp-request' } });
    assert.equal(empty.status, 400, 'an empty body is a bad HTTP request');
    assert.equal(empty.json<{ status: number }>().status, 400);
    const junk = await postDer(ca, Buffer.from('0c146e6f7420616e206f6373702072657175657374', 'hex'));
    assert.deepEqual([...junk], [0x30, 0x03, 0x0a, 0x01, 0x01], 'malformedRequest');
    const other = await startTestCa({ name: 'Other' });
    try {
      const reqFile = join(dir, 'other.der');
      execFileSync('openssl', ['ocsp', '-issuer', join(other.home, 'pki/intermediate_ca.crt'), '-serial', '0x01', '-reqout', reqFile]);
      const answer = await postDer(ca, readFileSync(reqFile));
      assert.deepEqual([...answer], [0x30, 0x03, 0x0a, 0x01, 0x06], 'unauthorized');
    } finally {
      await other.stop();
    }
  });
});

/** POSTs DER to /1.0/ocsp with the OCSP content type; resolves the response body. */
async function postDer(ca: TestCa, der: Buffer): Promise<Buffer> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: ca.port, servername: 'localhost', path: '/1.0/ocsp', method: 'POST', ca: ca.rootPem, agent: false, headers: { 'content-type': 'application/ocsp-request' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      },
    );
    req.on('error', reject);
    req.end(der);
  });
}
