import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrl } from '../src/pki/readCrl.js';
import { assertOneLineError, assertSucceeded, fedca } from './helpers/cli.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

describe('fedca crl --for aws-client-vpn', () => {
  let ca: TestCa;
  let dir: string;
  const caFlags = (): string[] => ['--ca-url', ca.url, '--root', ca.rootFile];

  /** Records `count` revocations straight in the CA's store (serials from `first`). */
  async function revokeMany(first: number, count: number): Promise<void> {
    const notAfter = new Date(Date.now() + 86_400_000);
    for (let i = 0; i < count; i++) {
      await ca.authority.store.revoke({ serial: String(first + i), reasonCode: 1, reason: '', revokedAt: new Date(), notAfter, provisioner: 'admin' });
    }
  }

  before(async () => {
    ca = await startTestCa();
    dir = tempDir('fedca-crl-');
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ca.stop();
  });

  it('writes a CRL of 20,000 entries, and refuses one of 20,001 saying how many, leaving the file as it was', async function () {
    this.timeout(180_000);
    const out = join(dir, 'aws.crl.pem');
    await revokeMany(1_000_000, 20_000);
    assertSucceeded(await fedca(['crl', '--for', 'aws-client-vpn', '--pem', '--out', out, ...caFlags()]));
    const written = readFileSync(out, 'utf8');
    assert.equal(parseCrl(Buffer.from(written.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64')).serials.length, 20_000);

    await revokeMany(2_000_000, 1);
    const refused = await fedca(['crl', '--for', 'aws-client-vpn', '--pem', '--out', out, ...caFlags()]);
    assertOneLineError(refused, /^fedca: the CRL lists 20,001 revoked certificates; an AWS Client VPN endpoint takes at most 20,000 \(a fixed quota\): nothing written\n$/);
    assert.equal(refused.status, 1);
    assert.equal(readFileSync(out, 'utf8'), written);

    // Without --for the same CRL is written: the limit is AWS's, not the CA's.
    assertSucceeded(await fedca(['crl', '--pem', '--out', out, ...caFlags()]));
    assert.notEqual(readFileSync(out, 'utf8'), written);
  });

  it('an unknown consumer: one line on stderr, non-zero exit', async () => {
    assertOneLineError(await fedca(['crl', '--for', 'azure-vpn', '--pem', ...caFlags()]), /--for <consumer>' argument 'azure-vpn' is invalid\. must be one of: aws-client-vpn/);
  });
});
