import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { CaClient } from '../src/sdk/caClient.js';
import { CloudIdentity } from '../src/sdk/cloudIdentity.js';
import { ProvisionerError } from '../src/sdk/errors.js';
import { ManagedIdentity } from '../src/sdk/managedIdentity.js';
import { assertOneLineError, assertSucceeded, fedca } from './helpers/cli.js';
import { awsIdentitySigner, instanceDocument, serviceAccountClaims, serviceAccountSigner, startKeySet, type TestKeySet } from './helpers/cloudKeys.js';
import { startMetadataService, type TestMetadataService } from './helpers/metadataService.js';
import { editConfig, initTestHome, startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

const TENANT = '11111111-2222-4333-8444-555555555555';

describe('cloud identities: the CLI and the SDK get and renew certificates with nothing but the platform identity', function () {
  this.timeout(120_000);
  let ca: TestCa;
  let metadata: TestMetadataService;
  let google: TestKeySet;
  let tenant: TestKeySet;
  let dir: string;
  let tokenFile: string;
  let vmCount = 0;

  /** A GCP VM's identity token claims for `audience` (a fresh instance each time, so trust on first use admits each test). */
  const gcpClaims = (audience: string): JWTPayload => {
    vmCount += 1;
    const now = Math.floor(Date.now() / 1000);
    return { aud: audience, sub: '42', email: 'app@proj.iam.gserviceaccount.com', iat: now, exp: now + 600, google: { compute_engine: { instance_id: `9000${vmCount}`, instance_name: `app-${vmCount}`, project_id: 'proj', zone: 'europe-west4-a' } } };
  };

  before(async () => {
    const aws = awsIdentitySigner();
    const cluster = serviceAccountSigner();
    google = await startKeySet('Google');
    tenant = await startKeySet('tenant');
    metadata = await startMetadataService({
      aws: aws.sign(instanceDocument({ instanceId: 'i-0cli0000000000001' })),
      gcp: (audience) => google.mint(gcpClaims(audience)),
      azure: (resource) => {
        const now = Math.floor(Date.now() / 1000);
        return tenant.mint({ aud: resource, tid: TENANT, iat: now, exp: now + 3600, xms_mirid: `/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-${now}` });
      },
    });
    dir = tempDir('fedca-cloud-');
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${await cluster.mint(serviceAccountClaims('shop', 'cart'))}\n`);
    const home = await initTestHome();
    writeFileSync(join(home.home, 'config/aws-iid.pem'), aws.certificatePem);
    copyFileSync(google.caFile, join(home.home, 'config/google-ca.pem'));
    copyFileSync(tenant.caFile, join(home.home, 'config/tenant-ca.pem'));
    editConfig(home.home, (c) => {
      (c.authority as { provisioners: unknown[] }).provisioners.push(
        { type: 'AWS', name: 'aws', iidRoots: 'config/aws-iid.pem' },
        { type: 'GCP', name: 'gcp', configurationEndpoint: google.issuer, caBundle: 'config/google-ca.pem' },
        { type: 'Azure', name: 'azure', tenantID: TENANT, configurationEndpoint: tenant.issuer, caBundle: 'config/tenant-ca.pem' },
        { type: 'K8sSA', name: 'cluster', publicKeys: cluster.publicKeyPem },
      );
    });
    ca = await startTestCa({ home });
  });
  after(async () => {
    await ca?.stop();
    await metadata?.stop();
    await google?.stop();
    await tenant?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const caFlags = (): string[] => ['--ca-url', ca.url, '--root', ca.rootFile];
  const serialOf = (file: string): string => new X509Certificate(readFileSync(file)).serialNumber;

  for (const provisioner of ['aws', 'gcp', 'azure', 'cluster']) {
    it(`fedca certificate --provisioner ${provisioner} needs no password, then fedca renew renews over mTLS`, async () => {
      const crt = join(dir, `${provisioner}.crt`);
      const key = join(dir, `${provisioner}.key`);
      // The K8sSA provisioner ("cluster") reads the pod's token file; the others ask the metadata service.
      const identityFlags = provisioner === 'cluster' ? ['--service-account-token-file', tokenFile] : ['--metadata-url', metadata.url];
      const run = await fedca(['certificate', `${provisioner}-workload`, crt, key, '--provisioner', provisioner, ...identityFlags, ...caFlags()]);
      assertSucceeded(run);
      const issued = new X509Certificate(readFileSync(crt));
      assert.match(issued.subject, new RegExp(`CN=${provisioner}-workload`));
      const renewed = await fedca(['renew', crt, key, '--force', ...caFlags()]);
      assertSucceeded(renewed);
      assert.notEqual(serialOf(crt), issued.serialNumber);
      assert.equal(new X509Certificate(readFileSync(crt)).subject, issued.subject);
    });
  }

  it('fedca token --provisioner aws prints the token step ca token would: the identity document in an HS256 JWT', async () => {
    const run = await fedca(['token', 'web-1', '--provisioner', 'aws', '--metadata-url', metadata.url, ...caFlags()]);
    assertSucceeded(run);
    const claims = decodeJwt(run.stdout.trim());
    assert.deepEqual([claims.iss, claims.sub, claims.aud], ['ec2.amazonaws.com', 'web-1', [`${ca.url}/1.0/sign#aws/aws`]]);
    assert.equal(decodeProtectedHeader(run.stdout.trim()).alg, 'HS256');
  });

  it('says in one line when the metadata service cannot be reached', async () => {
    const run = await fedca(['certificate', 'x', join(dir, 'x.crt'), join(dir, 'x.key'), '--provisioner', 'gcp', '--metadata-url', 'http://127.0.0.1:1', ...caFlags()]);
    assertOneLineError(run, /cannot reach the GCP metadata service at http:\/\/127\.0\.0\.1:1/);
  });

  it("the SDK's ManagedIdentity obtains a certificate with a CloudIdentity and renews it", async () => {
    const client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
    try {
      const identity = await ManagedIdentity.obtain({ client, subject: 'sdk-app', token: await CloudIdentity.load(client, { provisioner: 'gcp', metadataUrl: metadata.url }) });
      try {
        const first = identity.certificate.serialNumber;
        assert.match(identity.certificate.subject, /CN=sdk-app/);
        await identity.renew();
        assert.notEqual(identity.certificate.serialNumber, first);
      } finally {
        identity.stop();
      }
      await assert.rejects(CloudIdentity.load(client, { provisioner: 'admin' }), (err: unknown) => err instanceof ProvisionerError && /of type JWK, not a platform identity/.test(err.message));
    } finally {
      client.close();
    }
  });
});
