import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWTPayload } from 'jose';
import { startDemoClient } from '../examples/basic-federation/client.js';
import { startDemoServer } from '../examples/basic-federation/server.js';
import { fedca, run, type RunningCa, type Workspace } from '../examples/basic-federation/steps.js';
import { startTwoClouds, type TwoClouds } from '../examples/two-clouds/twoClouds.js';
import { CaClient } from '../src/sdk/caClient.js';
import { CloudIdentity } from '../src/sdk/cloudIdentity.js';
import { awsIdentitySigner, instanceDocument, startKeySet, type TestKeySet } from './helpers/cloudKeys.js';
import { startMetadataService, type TestMetadataService } from './helpers/metadataService.js';
import { tempDir } from './helpers/testCa.js';
import { until } from './helpers/wait.js';

const GREETING = /^Hello (gcp_client|curl_client) \(cert issued by 'GCP Root CA'\) at \d{4}-\d\d-\d\dT/;

describe('examples/two-clouds: workloads bootstrap by AWS and GCP identity, no password, and talk mTLS across the federation', function () {
  this.timeout(90_000);
  let ws: Workspace;
  let google: TestKeySet;
  /** The metadata services of one EC2 instance and two GCP VMs. */
  const vms: TestMetadataService[] = [];
  let clouds: TwoClouds;
  const cleanups: (() => Promise<void>)[] = [];

  /** A GCP VM of project two-clouds: its metadata service signs identity tokens with the Google stand-in. */
  const gcpVm = (id: string): Promise<TestMetadataService> =>
    startMetadataService({
      gcp: (audience) => {
        const now = Math.floor(Date.now() / 1000);
        const claims: JWTPayload = { aud: audience, sub: '1234', email: 'app@two-clouds.iam.gserviceaccount.com', iat: now, exp: now + 600, google: { compute_engine: { instance_id: id, instance_name: `vm-${id}`, project_id: 'two-clouds', zone: 'europe-west1-b' } } };
        return google.mint(claims);
      },
    });

  before(async () => {
    ws = { dir: tempDir('fedca-two-clouds-') };
    const aws = awsIdentitySigner();
    writeFileSync(join(ws.dir, 'aws-iid.pem'), aws.certificatePem);
    google = await startKeySet('Google');
    vms.push(await startMetadataService({ aws: aws.sign(instanceDocument({ instanceId: 'i-0two0clouds00001' })) }), await gcpVm('101'), await gcpVm('102'));
    clouds = await startTwoClouds(ws, { awsIidRoots: join(ws.dir, 'aws-iid.pem'), googleConfigurationEndpoint: google.issuer, googleCaBundle: google.caFile }, { aws: 0, gcp: 0 }, { awsAccounts: ['111122223333'], gcpProjects: ['two-clouds'] });
  });
  after(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await clouds?.aws.stop();
    await clouds?.gcp.stop();
    for (const vm of vms) await vm.stop();
    await google?.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  });

  function caClient(ca: RunningCa): CaClient {
    const client = new CaClient({ caUrl: ca.url, rootPem: readFileSync(join(ws.dir, ca.ca.rootFile), 'utf8') });
    cleanups.push(async () => client.close());
    return client;
  }

  it('the AWS workload serves with an AWS-identity certificate; the GCP workload and curl, with GCP-identity certificates, are answered', async () => {
    const [awsVm, gcpVm1, gcpVm2] = vms;
    const awsClient = caClient(clouds.aws);
    const lines: string[] = [];
    const server = await startDemoServer({ client: awsClient, token: await CloudIdentity.load(awsClient, { provisioner: 'aws', metadataUrl: awsVm.url }), port: 0, log: (line) => lines.push(line) });
    cleanups.push(() => server.stop());
    assert.deepEqual(lines.slice(0, 2), ['Accepting certs anchored in CN=AWS Root CA', 'Accepting certs anchored in CN=GCP Root CA']);

    const gcpClient = caClient(clouds.gcp);
    const client = await startDemoClient({ client: gcpClient, token: await CloudIdentity.load(gcpClient, { provisioner: 'gcp', metadataUrl: gcpVm1.url }), subject: 'gcp_client', serverUrl: `https://127.0.0.1:${server.port}`, intervalMs: 100, log: () => undefined });
    cleanups.push(() => client.stop());
    await until(() => client.answered + client.failed > 0, 'the first call of the GCP workload');
    assert.equal(client.failed, 0);
    assert.match(client.lastAnswer ?? '', GREETING);

    // The CLI on the second VM: no password, the identity from its metadata service.
    await fedca(ws, ['certificate', 'curl_client', 'curl_client.crt', 'curl_client.key', '--provisioner', 'gcp', '--metadata-url', gcpVm2.url, '--ca-url', clouds.gcp.url, '--root', clouds.gcp.ca.rootFile]);
    await fedca(ws, ['federation', '--ca-url', clouds.aws.url, '--root', clouds.aws.ca.rootFile, 'federated.pem']);
    const { stdout } = await run(ws, 'curl', ['-sS', '-i', '--cacert', 'federated.pem', '--cert', 'curl_client.crt', '--key', 'curl_client.key', `https://127.0.0.1:${server.port}`]);
    assert.match(stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(stdout.split('\r\n\r\n')[1], GREETING);
  });

  it('trust on first use: the AWS instance that has its certificate cannot get another one (it renews over mTLS)', async () => {
    await assert.rejects(
      fedca(ws, ['certificate', 'again', 'again.crt', 'again.key', '--provisioner', 'aws', '--metadata-url', vms[0].url, '--ca-url', clouds.aws.url, '--root', clouds.aws.ca.rootFile]),
      /token already used/,
    );
  });
});
