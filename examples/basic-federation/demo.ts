/**
 * `npm run demo:federation`: the whole walk-through of README.md with one
 * command. Fresh "Cloud" (127.0.0.1:1443) and "Kubernetes" (127.0.0.1:2443) CAs
 * that federate with each other, the demo server (Cloud certificate, :8443), the
 * demo client (Kubernetes certificate) calling it every 5 s, and the same call
 * with curl. Ctrl-C stops everything.
 */
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CaClient } from '../../src/sdk/index.js';
import { startDemoClient } from './client.js';
import { exitWith, isMain } from './script.js';
import { startDemoServer } from './server.js';
import { federate, fedca, initCa, run, startCa, token, type Workspace } from './steps.js';

/** The walk-through's directory in the source tree (the script runs from dist/). */
const HERE = fileURLToPath(new URL('../../../examples/basic-federation/', import.meta.url));
/** Lifetime of the workloads' certificates: short, to see renewals (at 2/3: every 40 s). */
const WORKLOAD_LIFETIME = '1m';

const say = (line: string): void => {
  process.stdout.write(line + '\n');
};
const prefixed = (prefix: string) => (text: string) => {
  for (const line of text.replace(/\n$/, '').split('\n')) say(`${prefix}${line}`);
};

/** Runs the walk-through; resolves a function that stops everything it started. */
async function runDemo(stops: (() => Promise<void>)[]): Promise<void> {
  const ws: Workspace = { dir: HERE, echo: (line) => say(`\n${line}`), output: prefixed('  ') };
  for (const generated of ['pki/cloud', 'pki/kubernetes', 'kube_client.crt', 'kube_client.key', 'federated.pem']) rmSync(`${HERE}/${generated}`, { recursive: true, force: true });
  say(`In ${HERE}:`);

  say('\n== 1. Two CAs: "Cloud" on 127.0.0.1:1443 and "Kubernetes" on 127.0.0.1:2443, fresh PKIs');
  const cloud = await initCa(ws, 'Cloud', 1443);
  const kubernetes = await initCa(ws, 'Kubernetes', 2443);

  say("\n== 2. Each CA federates with the other's root");
  await federate(ws, cloud, kubernetes);
  await federate(ws, kubernetes, cloud);

  say('\n== 3. Start both CAs');
  const cloudCa = await startCa(ws, cloud, prefixed('[cloud-ca] '));
  stops.push(() => cloudCa.stop());
  const kubernetesCa = await startCa(ws, kubernetes, prefixed('[kubernetes-ca] '));
  stops.push(() => kubernetesCa.stop());

  say('\n== 4. The demo server: a Cloud workload on 127.0.0.1:8443');
  const serverToken = await token(ws, cloudCa, 'localhost', ['localhost', '127.0.0.1']);
  say(`$ node dist/examples/basic-federation/server.js --ca-url ${cloudCa.url} --root ${cloud.rootFile} --token $TOKEN --lifetime ${WORKLOAD_LIFETIME} &`);
  const server = await startDemoServer({
    client: new CaClient({ caUrl: cloudCa.url, rootPem: readFileSync(`${HERE}/${cloud.rootFile}`, 'utf8') }),
    token: serverToken,
    lifetime: WORKLOAD_LIFETIME,
    log: prefixed('[server] '),
  });
  stops.push(() => server.stop());

  say('\n== 5. The demo client: a Kubernetes workload calling the server every 5 s');
  const clientToken = await token(ws, kubernetesCa, 'kube_client');
  say(`$ node dist/examples/basic-federation/client.js --ca-url ${kubernetesCa.url} --root ${kubernetes.rootFile} --token $TOKEN --lifetime ${WORKLOAD_LIFETIME} &`);
  const client = await startDemoClient({
    client: new CaClient({ caUrl: kubernetesCa.url, rootPem: readFileSync(`${HERE}/${kubernetes.rootFile}`, 'utf8') }),
    token: clientToken,
    serverUrl: `https://127.0.0.1:${server.port}`,
    lifetime: WORKLOAD_LIFETIME,
    log: prefixed('[client] '),
  });
  stops.push(() => client.stop());

  say('\n== 6. The same call with curl: a Kubernetes certificate, and the Cloud federation bundle to trust the server');
  await fedca(ws, ['certificate', 'kube_client', 'kube_client.crt', 'kube_client.key', '--ca-url', kubernetesCa.url, '--root', kubernetes.rootFile, '--password-file', kubernetes.passwordFile]);
  await fedca(ws, ['federation', '--ca-url', cloudCa.url, '--root', cloud.rootFile, 'federated.pem']);
  await run(ws, 'curl', ['-sS', '-i', '--cacert', 'federated.pem', '--cert', 'kube_client.crt', '--key', 'kube_client.key', `https://127.0.0.1:${server.port}`]);

  say(`\nRunning. The client calls the server every 5 s; both renew their ${WORKLOAD_LIFETIME} certificates at 2/3 of their life. Ctrl-C stops everything.`);
}

/** Stops what the demo started, newest first. */
async function stopAll(stops: (() => Promise<void>)[]): Promise<void> {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

if (isMain(import.meta.url)) {
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = (code: number): void => {
    if (stopping) return;
    stopping = true;
    say('\nStopping the client, the server and both CAs ...');
    void stopAll(stops).then(() => {
      say('Stopped.');
      process.exit(code);
    });
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  try {
    await runDemo(stops);
  } catch (err) {
    await stopAll(stops);
    exitWith(err);
  }
}
