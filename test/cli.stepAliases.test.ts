import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertHelpDescribes, assertOneLineError, runFedca, type Run } from './helpers/cliRun.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

describe("step's flag names on fedca's verbs", function () {
  this.timeout(60_000);
  let ca: TestCa;
  let dir: string;
  const fedca = (args: readonly string[]): Promise<Run> => runFedca(args, { FEDCA_CLIENT_HOME: join(dir, 'client') });

  before(async () => {
    ca = await startTestCa();
    dir = tempDir('fedca-step-aliases-');
  });
  after(async () => {
    await ca?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are listed in --help', async () => {
    await assertHelpDescribes('certificate', ['--issuer', '--provisioner-password-file', '--crv', '--not-before', '--not-after', '--ca-url', '--root', '--fingerprint']);
    await assertHelpDescribes('revoke', ['--issuer', '--provisioner-password-file', '--reasonCode']);
    await assertHelpDescribes('token', ['--issuer', '--provisioner-password-file']);
    await assertHelpDescribes('rekey', ['--crv', '--out-cert']);
  });

  it('mean what fedca\'s names mean: certificate --issuer --provisioner-password-file --crv, revoke --reasonCode', async () => {
    const crt = join(dir, 'svc.crt');
    const key = join(dir, 'svc.key');
    const issued = await fedca(['certificate', 'svc.internal', crt, key, '--ca-url', ca.url, '--fingerprint', ca.rootFingerprint, '--issuer', 'admin', '--provisioner-password-file', ca.passwordFile, '--crv', 'P-384']);
    assert.equal(issued.status, 0, issued.stderr);
    const leaf = new X509Certificate(readFileSync(crt));
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    const serial = BigInt('0x' + leaf.serialNumber).toString(10);
    const revoked = await fedca(['revoke', serial, '--ca-url', ca.url, '--root', ca.rootFile, '--provisioner-password-file', ca.passwordFile, '--reasonCode', '4']);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal((await ca.authority.store.revocation(serial))?.reasonCode, 4);
  });

  it('a step name and its fedca name that disagree, or a bad value, are one-line usage errors', async () => {
    const other = join(dir, 'other-password');
    assertOneLineError(
      await fedca(['token', 'x.internal', '--ca-url', ca.url, '--root', ca.rootFile, '--password-file', ca.passwordFile, '--provisioner-password-file', other]),
      /--provisioner-password-file and --password-file say different things/,
    );
    assertOneLineError(await fedca(['revoke', '1', '--ca-url', ca.url, '--root', ca.rootFile, '--reasonCode', '11']), /--reasonCode.*reason code, 0-10/);
  });
});
