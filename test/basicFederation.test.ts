import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoClient, type DemoClient } from '../examples/basic-federation/client.js';
import { startDemoServer, type DemoServer } from '../examples/basic-federation/server.js';
import { federate, fedca, initCa, run, startCa, token, type DemoCa, type RunningCa, type Workspace } from '../examples/basic-federation/steps.js';
import { CaClient } from '../src/sdk/caClient.js';
import { startTestCa, tempDir } from './helpers/testCa.js';
import { until } from './helpers/wait.js';

const GREETING = /^Hello kube_client \(cert issued by 'Kubernetes Root CA'\) at \d{4}-\d\d-\d\dT/;

describe('examples/basic-federation: a Kubernetes workload talks mTLS to a Cloud workload through federated roots', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let cloud: DemoCa;
  let kubernetes: DemoCa;
  let cloudCa: RunningCa;
  let kubernetesCa: RunningCa;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    ws = { dir: tempDir('fedca-demo-') };
    // The walk-through's steps on free ports; certificates as short as a second, so that renewals come quickly.
    cloud = await initCa(ws, 'Cloud', 0, '1s');
    kubernetes = await initCa(ws, 'Kubernetes', 0, '1s');
    await federate(ws, cloud, kubernetes);
    await federate(ws, kubernetes, cloud);
    cloudCa = await startCa(ws, cloud);
    kubernetesCa = await startCa(ws, kubernetes);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(async () => {
    await cloudCa?.stop();
    await kubernetesCa?.stop();
    rmSync(ws.dir, { recursive: true, force: true });
  });

  function caClient(ca: RunningCa): CaClient {
    const client = new CaClient({ caUrl: ca.url, rootPem: readFileSync(join(ws.dir, ca.ca.rootFile), 'utf8') });
    cleanups.push(async () => client.close());
    return client;
  }

  async function demoServer(lifetime?: string): Promise<{ server: DemoServer; lines: string[] }> {
    const lines: string[] = [];
    const server = await startDemoServer({
      client: caClient(cloudCa),
      token: await token(ws, cloudCa, 'localhost', ['localhost', '127.0.0.1']),
      port: 0,
      lifetime,
      log: (line) => lines.push(line),
    });
    cleanups.push(() => server.stop());
    return { server, lines };
  }

  async function demoClient(server: DemoServer, options: { intervalMs?: number; keepAlive?: boolean } = {}): Promise<DemoClient> {
    const client = await startDemoClient({
      client: caClient(kubernetesCa),
      token: await token(ws, kubernetesCa, 'kube_client'),
      serverUrl: `https://127.0.0.1:${server.port}`,
      intervalMs: options.intervalMs ?? 100,
      keepAlive: options.keepAlive,
      log: () => undefined,
    });
    cleanups.push(() => client.stop());
    return client;
  }

  /** The curl path of the walk-through: a Kubernetes certificate, the Cloud federation bundle, `curl -i`. */
  async function curl(server: DemoServer, subject = 'kube_client', ca = kubernetesCa): Promise<{ status: number; stdout: string; stderr: string }> {
    await fedca(ws, ['certificate', subject, `${subject}.crt`, `${subject}.key`, '--ca-url', ca.url, '--root', ca.ca.rootFile, '--password-file', ca.ca.passwordFile, '--force']);
    await fedca(ws, ['federation', '--ca-url', cloudCa.url, '--root', cloud.rootFile, 'federated.pem', '--force']);
    try {
      const { stdout, stderr } = await run(ws, 'curl', ['-sS', '-i', '--cacert', 'federated.pem', '--cert', `${subject}.crt`, '--key', `${subject}.key`, `https://127.0.0.1:${server.port}`]);
      return { status: 0, stdout, stderr };
    } catch (err) {
      return { status: 1, stdout: '', stderr: (err as Error).message };
    }
  }

  it('the demo client and curl, with Kubernetes certificates, are answered by the demo server, with a Cloud certificate', async () => {
    const { server, lines } = await demoServer();
    assert.deepEqual(lines.slice(0, 3), ['Accepting certs anchored in CN=Cloud Root CA', 'Accepting certs anchored in CN=Kubernetes Root CA', `Listening on 127.0.0.1:${server.port} ...`]);
    const client = await demoClient(server);
    await until(() => client.answered + client.failed > 0, 'the first call of the client');
    assert.equal(client.failed, 0);
    assert.match(client.lastAnswer ?? '', GREETING);

    const answer = await curl(server);
    assert.equal(answer.status, 0, answer.stderr);
    assert.match(answer.stdout, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer.stdout.split('\r\n\r\n')[1], GREETING);
  });

  it('a certificate from a third CA that nobody federates with is refused at the TLS handshake', async () => {
    const third = await startTestCa({ name: 'Third' });
    cleanups.push(() => third.stop());
    const thirdCa = { ca: { name: 'Third', home: third.home, rootFile: third.rootFile, passwordFile: third.passwordFile }, url: third.url } as RunningCa;
    const { server, lines } = await demoServer();
    const answer = await curl(server, 'third_client', thirdCa);
    assert.notEqual(answer.status, 0, answer.stdout);
    await until(() => lines.some((line) => line.startsWith('Refused a client at the TLS handshake')), 'the refusal in the server log');
    assert.ok(lines.includes('Refused a client at the TLS handshake: UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), lines.join('\n'));
    assert.ok(!lines.some((line) => line.startsWith('Hello')));
  });

  it("removing a root from federatedRoots and SIGHUP: the server's next renewal drops trust in it", async () => {
    const { server, lines } = await demoServer('3s');
    assert.equal((await curl(server)).status, 0);

    const configFile = join(ws.dir, cloud.home, 'config/ca.json');
    const original = readFileSync(configFile, 'utf8');
    cleanups.push(async () => {
      writeFileSync(configFile, original);
      cloudCa.child.kill('SIGHUP');
      await cloudCa.waitForLog(/federation reloaded, 2 root\(s\)/);
    });
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(original), federatedRoots: [] }, null, 2));
    cloudCa.child.kill('SIGHUP');
    await cloudCa.waitForLog(/federation reloaded, 1 root\(s\)/);

    const renewals = server.renewals;
    await until(() => server.renewals > renewals, 'a renewal of the server');
    assert.deepEqual(lines.filter((line) => line.startsWith('Accepting')).slice(-1), ['Accepting certs anchored in CN=Cloud Root CA']);
    const refused = await curl(server);
    assert.notEqual(refused.status, 0, refused.stdout);
    await until(() => lines.includes('Refused a client at the TLS handshake: UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 'the refusal in the server log');
  });

  it('the demo server keeps serving across its own certificate renewals: no failed request from the client', async () => {
    const { server } = await demoServer('3s');
    const serials = new Set<string>([server.identity.certificate.serialNumber]);
    const client = await demoClient(server, { intervalMs: 50, keepAlive: false });
    await until(() => {
      serials.add(server.identity.certificate.serialNumber);
      return server.renewals >= 2;
    }, 'two renewals of the server');
    await client.stop();
    assert.ok(serials.size >= 3, `served ${serials.size} certificates`);
    assert.ok(client.answered > 10, `${client.answered} answers`);
    assert.equal(client.failed, 0);
  });
});
