import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { awsIdentityToken } from '../src/sdk/cloudIdentity/aws.js';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { awsIdentitySigner, instanceDocument, serviceAccountClaims, serviceAccountSigner, type AwsIdentitySigner, type ServiceAccountSigner } from './helpers/cloudKeys.js';
import { opensslCsr } from './helpers/csr.js';
import { startMetadataService, type TestMetadataService } from './helpers/metadataService.js';
import { closedPort } from './helpers/ports.js';
import { skipUnless } from './helpers/requirements.js';
import { post, startStepCa, stepCaBinary, writeStepPath, type RunningStepCa, type StepPath } from './helpers/stepCa.js';
import { tempDir } from './helpers/testCa.js';

/**
 * The cloud provisioners that need no network at the CA (AWS with `iidRoots`, K8sSA):
 * the same step-ca 0.19 configuration served by step-ca and by fedca, the same
 * identity tokens (fedca's SDK builds AWS's as step's client does) sent to both.
 */
describe('cloud identities as step-ca 0.19 takes them (AWS, K8sSA; same configuration, same tokens)', function () {
  this.timeout(120_000);
  let step: StepPath;
  let stepCa: RunningStepCa | undefined;
  let fedca: RunningCa | undefined;
  let metadata: TestMetadataService | undefined;
  let aws: AwsIdentitySigner;
  let cluster: ServiceAccountSigner;
  let dir = '';
  const rootFile = (): string => join(step.dir, 'certs/root_ca.crt');
  const urls = (): [string, string][] => [
    ['step-ca', stepCa?.url ?? ''],
    ['fedca', `https://localhost:${fedca?.port}`],
  ];

  before(async function () {
    const built = await stepCaBinary();
    skipUnless(this, 'step-ca parity tests', built.reason);
    dir = tempDir('fedca-cloud-parity-');
    aws = awsIdentitySigner();
    cluster = serviceAccountSigner();
    metadata = await startMetadataService();
    writeFileSync(join(dir, 'aws-iid.pem'), aws.certificatePem);
    step = await writeStepPath(dir, undefined);
    const config = JSON.parse(readFileSync(step.configFile, 'utf8')) as { authority: { provisioners: unknown[] } } & Record<string, unknown>;
    config.authority.provisioners.push(
      { type: 'AWS', name: 'aws', accounts: ['111122223333'], iidRoots: join(dir, 'aws-iid.pem') },
      // Go's []byte: the PEM, base64-encoded.
      { type: 'K8sSA', name: 'cluster', publicKeys: Buffer.from(cluster.publicKeyPem).toString('base64') },
    );
    writeFileSync(step.configFile, JSON.stringify(config, null, '\t'));
    stepCa = await startStepCa(built.binary ?? '', step);
    writeFileSync(join(dir, 'config/ca.fedca.json'), JSON.stringify({ ...config, address: `127.0.0.1:${await closedPort()}` }));
    fedca = await startFedca(['config/ca.fedca.json', '--password-file', step.passwordFile, '--workers', '1', '--quiet'], {}, dir);
  });

  after(async () => {
    await stepCa?.stop();
    await fedca?.stop();
    await metadata?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Signs at one CA; resolves the status and the certificate's subject. */
  async function sign(url: string, ott: string, cn: string): Promise<{ status: number; subject?: string }> {
    const res = await post(url, '/1.0/sign', { csr: opensslCsr('P-256', cn, [`DNS:${cn}`]).csrPem, ott, notBefore: '', notAfter: '' }, rootFile());
    const crt = res.json.crt as string | undefined;
    return { status: res.status, ...(crt === undefined ? {} : { subject: new X509Certificate(crt).subject }) };
  }

  it("both issue for the token fedca's SDK builds from the instance's identity document, and refuse another account with 401", async () => {
    for (const [who, url] of urls()) {
      if (metadata) metadata.answers.aws = aws.sign(instanceDocument());
      const ok = await sign(url, await awsIdentityToken(metadata?.url ?? '', url, 'aws', 'web-1.internal'), 'web-1.internal');
      assert.deepEqual(ok, { status: 201, subject: 'CN=web-1.internal' }, who);
      if (metadata) metadata.answers.aws = aws.sign(instanceDocument({ accountId: '999988887777' }));
      assert.equal((await sign(url, await awsIdentityToken(metadata?.url ?? '', url, 'aws', 'x'), 'x')).status, 401, who);
    }
  });

  it('both refuse an AWS token whose document another key signed, with 401', async () => {
    const forged = awsIdentitySigner().sign(instanceDocument());
    for (const [who, url] of urls()) {
      if (metadata) metadata.answers.aws = forged;
      assert.equal((await sign(url, await awsIdentityToken(metadata?.url ?? '', url, 'aws', 'x'), 'x')).status, 401, who);
    }
  });

  it('both issue for a service-account token of the cluster, and refuse one another key signed, with 401', async () => {
    for (const [who, url] of urls()) {
      const ok = await sign(url, await cluster.mint(serviceAccountClaims('shop', `cart-${randomBytes(2).toString('hex')}`)), 'cart.shop.svc');
      assert.deepEqual(ok, { status: 201, subject: 'CN=cart.shop.svc' }, who);
      const stranger = await new SignJWT(serviceAccountClaims('shop', 'x')).setProtectedHeader({ alg: 'ES256' }).sign(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
      assert.equal((await sign(url, stranger, 'x')).status, 401, who);
    }
  });
});
