/**
 * `npm run demo:two-clouds`: the walk-through of README.md with one command, on one
 * machine. The clouds are played by the test suite's stand-ins (an EC2 instance's
 * and a GCP VM's metadata service on 127.0.0.1, AWS's identity certificate and
 * Google's key set made on the spot); everything else is what runs in the clouds:
 * the "AWS" CA (127.0.0.1:1443) issues by AWS identity, the "GCP" CA (127.0.0.1:2443)
 * by GCP identity, and the two workloads bootstrap with no password and talk mTLS.
 * Ctrl-C stops everything.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CaClient, CloudIdentity } from '../../src/sdk/index.js';
import { awsIdentitySigner, instanceDocument, startKeySet } from '../../test/helpers/cloudKeys.js';
import { startMetadataService } from '../../test/helpers/metadataService.js';
import { startDemoClient } from '../basic-federation/client.js';
import { exitWith, isMain } from '../basic-federation/script.js';
import { startDemoServer } from '../basic-federation/server.js';
import type { Workspace } from '../basic-federation/steps.js';
import { startTwoClouds } from './twoClouds.js';

/** The walk-through's directory in the source tree (the script runs from dist/). */
const HERE = fileURLToPath(new URL('../../../examples/two-clouds/', import.meta.url));

const say = (line: string): void => {
  process.stdout.write(line + '\n');
};
const prefixed = (prefix: string) => (text: string) => {
  for (const line of text.replace(/\n$/, '').split('\n')) say(`${prefix}${line}`);
};

/** Runs the walk-through, pushing what it starts onto `stops`. */
async function runDemo(stops: (() => Promise<void>)[]): Promise<void> {
  const ws: Workspace = { dir: HERE, echo: (line) => say(`\n${line}`), output: prefixed('  ') };
  for (const generated of ['pki', 'aws-iid.pem']) rmSync(`${HERE}/${generated}`, { recursive: true, force: true });

  say('== 0. The clouds, played on 127.0.0.1: an EC2 instance, a GCP VM, AWS\'s identity certificate and Google\'s keys');
  const aws = awsIdentitySigner();
  const google = await startKeySet('Google');
  stops.push(() => google.stop());
  const ec2 = await startMetadataService({ aws: aws.sign(instanceDocument({ instanceId: 'i-0123456789abcdef0' })) });
  stops.push(() => ec2.stop());
  const vm = await startMetadataService({
    gcp: (audience) => {
      const now = Math.floor(Date.now() / 1000);
      return google.mint({ aud: audience, sub: '1234', email: 'app@two-clouds.iam.gserviceaccount.com', iat: now, exp: now + 600, google: { compute_engine: { instance_id: '4242', instance_name: 'app-1', project_id: 'two-clouds', zone: 'europe-west1-b' } } });
    },
  });
  stops.push(() => vm.stop());
  const iid = `${HERE}/aws-iid.pem`;
  writeFileSync(iid, aws.certificatePem);
  say(`   EC2 instance metadata: ${ec2.url}   GCP VM metadata: ${vm.url}   Google's keys: ${google.issuer}`);

  say('\n== 1. The "AWS" CA (127.0.0.1:1443) with an AWS provisioner, the "GCP" CA (127.0.0.1:2443) with a GCP provisioner, federated');
  const clouds = await startTwoClouds(ws, { awsIidRoots: iid, googleConfigurationEndpoint: google.issuer, googleCaBundle: google.caFile }, { aws: 1443, gcp: 2443 }, { awsAccounts: ['111122223333'], gcpProjects: ['two-clouds'] });
  stops.push(() => clouds.aws.stop(), () => clouds.gcp.stop());

  say('\n== 2. The AWS workload: its certificate by the instance\'s identity, no password');
  const awsClient = new CaClient({ caUrl: clouds.aws.url, rootPem: readFileSync(`${HERE}/${clouds.aws.ca.rootFile}`, 'utf8') });
  const server = await startDemoServer({ client: awsClient, token: await CloudIdentity.load(awsClient, { provisioner: 'aws', metadataUrl: ec2.url }), lifetime: '1m', log: prefixed('[aws workload] ') });
  stops.push(() => server.stop());

  say('\n== 3. The GCP workload: its certificate by the VM\'s identity, no password; it calls the AWS workload every 5 s');
  const gcpClient = new CaClient({ caUrl: clouds.gcp.url, rootPem: readFileSync(`${HERE}/${clouds.gcp.ca.rootFile}`, 'utf8') });
  const client = await startDemoClient({ client: gcpClient, token: await CloudIdentity.load(gcpClient, { provisioner: 'gcp', metadataUrl: vm.url }), subject: 'gcp_client', serverUrl: `https://127.0.0.1:${server.port}`, lifetime: '1m', log: prefixed('[gcp workload] ') });
  stops.push(() => client.stop());
  say('\nRunning. Both workloads renew their 1-minute certificates over mTLS. Ctrl-C stops everything.');
}

if (isMain(import.meta.url)) {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  const shutdown = (): void => void stopAll().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  try {
    await runDemo(stops);
  } catch (err) {
    await stopAll();
    exitWith(err);
  }
}
