import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrl } from '../src/pki/readCrl.js';
import { assertOneLineError, assertSucceeded, fedca } from './helpers/cli.js';
import { opensslCsr } from './helpers/csr.js';
import { https } from './helpers/https.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';

/** A certificate as the CA answered it, its key, and its decimal serial. */
interface Held {
  readonly crt: string;
  readonly ca: string;
  readonly keyPem: string;
  readonly serial: string;
}

const serialOf = (crt: string): string => BigInt('0x' + new X509Certificate(crt).serialNumber).toString(10);

async function issue(ca: TestCa, p: ProvisionerKey, cn: string): Promise<Held> {
  const { csrPem, keyPem } = opensslCsr('P-256', cn);
  const res = await https(ca, '/1.0/sign', { body: { csr: csrPem, ott: await signToken(ca, p, cn) } });
  assert.equal(res.status, 201, res.body.toString());
  const { crt, ca: intermediate } = res.json<{ crt: string; ca: string }>();
  return { crt, ca: intermediate, keyPem, serial: serialOf(crt) };
}

async function renew(ca: TestCa, held: Held): Promise<Held> {
  const res = await https(ca, '/1.0/renew', { method: 'POST', cert: held.crt + held.ca, key: held.keyPem });
  assert.equal(res.status, 201, res.body.toString());
  const { crt, ca: intermediate } = res.json<{ crt: string; ca: string }>();
  return { crt, ca: intermediate, keyPem: held.keyPem, serial: serialOf(crt) };
}

async function rekey(ca: TestCa, held: Held, cn: string): Promise<Held> {
  const fresh = opensslCsr('P-256', cn);
  const res = await https(ca, '/1.0/rekey', { body: { csr: fresh.csrPem }, cert: held.crt + held.ca, key: held.keyPem });
  assert.equal(res.status, 201, res.body.toString());
  const { crt, ca: intermediate } = res.json<{ crt: string; ca: string }>();
  return { crt, ca: intermediate, keyPem: fresh.keyPem, serial: serialOf(crt) };
}

async function crlSerials(ca: TestCa): Promise<string[]> {
  const res = await https(ca, '/1.0/crl');
  assert.equal(res.status, 200);
  return parseCrl(res.body).serials.map((s) => s.toString(10));
}

/** The CRL as openssl prints it. */
async function crlText(ca: TestCa, dir: string): Promise<string> {
  const file = join(dir, `crl-${Date.now()}.der`);
  writeFileSync(file, (await https(ca, '/1.0/crl')).body);
  return execFileSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-text']).toString();
}

const hex = (serial: string): string => BigInt(serial).toString(16).toUpperCase();

describe('lineage: the certificates a renewal or rekey descends from', () => {
  let dir: string;
  before(() => {
    dir = tempDir('fedca-lineage-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('revoke --lineage and fedca lineage', () => {
    let ca: TestCa;
    let p: ProvisionerKey;
    before(async () => {
      ca = await startTestCa();
      p = await provisionerKey(ca);
    });
    after(() => ca.stop());

    it('issue → renew → rekey → renew: revoke --lineage on the first serial puts all four on the CRL, and lineage shows the line', async () => {
      const first = await issue(ca, p, 'laptop-7');
      const renewed = await renew(ca, first);
      const rekeyed = await rekey(ca, renewed, 'laptop-7');
      const last = await renew(ca, rekeyed);
      const line = [first, renewed, rekeyed, last].map((h) => h.serial);
      const bystander = await issue(ca, p, 'laptop-8');

      const shown = await fedca(['lineage', rekeyed.serial, '--home', ca.home, '--format', 'json']);
      assertSucceeded(shown);
      const entries = JSON.parse(shown.stdout) as { serial: string; replaces?: string; status: string; commonName: string }[];
      assert.deepEqual(entries.map((e) => e.serial), line, 'ancestors, itself, descendants, oldest first');
      assert.deepEqual(entries.map((e) => e.replaces), [undefined, ...line.slice(0, 3)]);
      assert.deepEqual(entries.map((e) => e.status), ['valid', 'valid', 'valid', 'valid']);
      assert.ok(entries.every((e) => e.commonName === 'laptop-7'));

      const revoked = await fedca(['revoke', first.serial, '--lineage', '--reason-code', '3', '--ca-url', ca.url, '--root', ca.rootFile, '--provisioner', 'admin', '--password-file', ca.passwordFile]);
      assertSucceeded(revoked);
      assert.match(revoked.stdout, new RegExp(`^4 certificates of the lineage of ${first.serial} have been revoked: ${line.join(', ')}\\.\\n$`));
      const listed = await crlSerials(ca);
      for (const serial of line) assert.ok(listed.includes(serial), `${serial} on the CRL`);
      assert.ok(!listed.includes(bystander.serial), 'another certificate is not');

      const text = await fedca(['lineage', `0x${hex(last.serial)}`, '--home', ca.home]);
      assertSucceeded(text);
      const lines = text.stdout.trim().split('\n');
      assert.equal(lines[0], `The lineage of ${last.serial}: 4 certificates, oldest first (* the one asked about):`);
      assert.match(lines[4], new RegExp(`^\\* ${last.serial}  CN=laptop-7  .*  revoked .* \\(affiliationChanged\\)  replaces ${rekeyed.serial}$`));

      // The line is revoked: its last certificate can no longer renew.
      const refused = await https(ca, '/1.0/renew', { method: 'POST', cert: last.crt + last.ca, key: last.keyPem });
      assert.equal(refused.status, 401, "a revoked certificate renews no more (401, as at step-ca)");
    });

    it('revokes what is left of a line whose first certificate is already revoked; refuses a line wholly revoked (400)', async () => {
      const first = await issue(ca, p, 'laptop-9');
      const second = await renew(ca, first);
      const ott = async (serial: string) => signToken(ca, p, serial, { aud: `${ca.url}/1.0/revoke`, sans: undefined });
      const single = await https(ca, '/1.0/revoke', { body: { serial: first.serial, ott: await ott(first.serial), passive: true } });
      assert.equal(single.status, 200, single.body.toString());
      assert.deepEqual(single.json(), { status: 'ok' });
      const rest = await https(ca, '/1.0/revoke', { body: { serial: first.serial, ott: await ott(first.serial), lineage: true } });
      assert.equal(rest.status, 200, rest.body.toString());
      assert.deepEqual(rest.json(), { status: 'ok', revoked: [second.serial] });
      const again = await https(ca, '/1.0/revoke', { body: { serial: first.serial, ott: await ott(first.serial), lineage: true } });
      assert.equal(again.status, 400);
      assert.match(again.json<{ message: string }>().message, /and every certificate descended from it are already revoked/);
    });

    it('refuses "lineage" that is not a boolean (400), a lineage revocation over mTLS (403), a reused token (401)', async () => {
      const held = await issue(ca, p, 'laptop-10');
      const ott = await signToken(ca, p, held.serial, { aud: `${ca.url}/1.0/revoke`, sans: undefined });
      const notBool = await https(ca, '/1.0/revoke', { body: { serial: held.serial, ott, lineage: 'yes' } });
      assert.equal(notBool.status, 400);
      assert.match(notBool.json<{ message: string }>().message, /"lineage" must be true or false/);
      const mtls = await https(ca, '/1.0/revoke', { body: { serial: held.serial, lineage: true }, cert: held.crt + held.ca, key: held.keyPem });
      assert.equal(mtls.status, 403);
      assert.match(mtls.json<{ message: string }>().message, /revoking a lineage needs a revoke token/);
      assert.equal((await https(ca, '/1.0/revoke', { body: { serial: held.serial, ott, lineage: true } })).status, 200);
      const reused = await https(ca, '/1.0/revoke', { body: { serial: held.serial, ott, lineage: true } });
      assert.equal(reused.status, 401);
    });

    it('CLI refusals: --lineage with --cert, and lineage of an unknown serial, one line on stderr', async () => {
      const held = await issue(ca, p, 'laptop-11');
      const crt = join(dir, 'l11.crt');
      const key = join(dir, 'l11.key');
      writeFileSync(crt, held.crt + held.ca);
      writeFileSync(key, held.keyPem);
      assertOneLineError(await fedca(['revoke', held.serial, '--lineage', '--cert', crt, '--key', key, '--ca-url', ca.url, '--root', ca.rootFile]), /--lineage needs a revoke token/);
      assertOneLineError(await fedca(['lineage', '123456789', '--home', ca.home]), /no certificate with serial 123456789 was issued by this CA/);
    });
  });

  describe('authority.claims.revokeOnRenew', () => {
    it('off by default: a renewal leaves its predecessor valid', async () => {
      const ca = await startTestCa();
      try {
        const first = await issue(ca, await provisionerKey(ca), 'svc-a');
        await renew(ca, first);
        assert.ok(!(await crlSerials(ca)).includes(first.serial));
      } finally {
        await ca.stop();
      }
    });

    it('on: a renewal and a rekey put their predecessor on the CRL with reason superseded', async () => {
      const ca = await startTestCa({ editConfig: (c) => ((c.authority as { claims?: Record<string, unknown> }).claims = { revokeOnRenew: true }) });
      try {
        const first = await issue(ca, await provisionerKey(ca), 'svc-b');
        const second = await renew(ca, first);
        const third = await rekey(ca, second, 'svc-b');
        const listed = await crlSerials(ca);
        assert.ok(listed.includes(first.serial) && listed.includes(second.serial), 'both predecessors listed');
        assert.ok(!listed.includes(third.serial), 'the current certificate is not');
        const text = await crlText(ca, dir);
        for (const serial of [first.serial, second.serial]) {
          assert.match(text, new RegExp(`Serial Number: 0*${hex(serial)}\\n\\s+Revocation Date: .*\\n\\s+CRL entry extensions:\\n\\s+X509v3 CRL Reason Code:\\s*\\n\\s+Superseded`));
        }
      } finally {
        await ca.stop();
      }
    });

    it('a value that is not a boolean stops the CA from loading, naming the key', async () => {
      const err = await startTestCa({ editConfig: (c) => ((c.authority as { claims?: Record<string, unknown> }).claims = { revokeOnRenew: 'yes' }) }).catch((e: Error) => e);
      assert.ok(err instanceof Error);
      assert.match(err.message, /authority\.claims\.revokeOnRenew: must be true or false/);
    });
  });
});
