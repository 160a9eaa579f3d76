import assert from 'node:assert/strict';
import { Agent, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { pemDers } from '../src/pki/pem.js';
import { CaClient } from '../src/sdk/caClient.js';
import { ManagedIdentity } from '../src/sdk/managedIdentity.js';
import { OcspChecker } from '../src/sdk/ocspChecker.js';
import { Provisioner } from '../src/sdk/provisioner.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { until } from './helpers/wait.js';

/** How often the servers of these tests re-check their live connections. */
const RECHECK_MS = 300;

/** A GET over `agent`: the status and the connection it went over. */
function get(port: number, agent: Agent): Promise<{ status: number; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'server.cloud', port, path: '/', agent }, (res) => {
      const socket = res.socket as TLSSocket;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, socket }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('SDK server: live connections re-checked when trust changes or a client is revoked', () => {
  let cloud: TestCa;
  let kubernetes: TestCa;
  let cloudClient: CaClient;
  let kubernetesClient: CaClient;
  const identities: ManagedIdentity[] = [];
  const servers: Server[] = [];
  const agents: Agent[] = [];

  before(async () => {
    cloud = await startTestCa({ name: 'Cloud' });
    kubernetes = await startTestCa({ name: 'Kubernetes', editConfig: (c) => (c.federatedRoots = [cloud.rootFile]) });
    cloudClient = new CaClient({ caUrl: cloud.url, rootPem: cloud.rootPem });
    kubernetesClient = new CaClient({ caUrl: kubernetes.url, rootPem: kubernetes.rootPem });
  });
  beforeEach(() => cloud.authority.setFederatedRoots(pemDers(kubernetes.rootPem)));
  afterEach(async () => {
    for (const identity of identities.splice(0)) identity.stop();
    for (const agent of agents.splice(0)) agent.destroy();
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
  after(async () => {
    cloudClient?.close();
    kubernetesClient?.close();
    await kubernetes?.stop();
    await cloud?.stop();
  });

  async function identity(ca: TestCa, client: CaClient, subject: string): Promise<ManagedIdentity> {
    const id = await ManagedIdentity.obtain({ client, subject, token: await Provisioner.load(client, {}, ca.password) });
    identities.push(id);
    return id;
  }

  async function serve(id: ManagedIdentity, ocsp?: OcspChecker): Promise<{ port: number; closed: string[] }> {
    const closed: string[] = [];
    const server = id.createServer({ recheckIntervalMs: RECHECK_MS, ocsp, onDisconnect: (reason) => closed.push(reason) }, (_req, res) => res.end('ok'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, closed };
  }

  const keepAlive = (id: ManagedIdentity): Agent => {
    const agent = id.createAgent({ keepAlive: true });
    agents.push(agent);
    return agent;
  };

  it('a client whose root is withdrawn from the federation is disconnected at the next recheck, and its next connection refused', async () => {
    const { port, closed } = await serve(await identity(cloud, cloudClient, 'server.cloud'));
    const agent = keepAlive(await identity(kubernetes, kubernetesClient, 'client.kubernetes'));
    const cloudAgent = keepAlive(await identity(cloud, cloudClient, 'client.cloud'));
    const cloudFirst = await get(port, cloudAgent);
    const first = await get(port, agent);
    assert.equal(first.status, 200);
    assert.equal((await get(port, agent)).socket, first.socket, 'a keep-alive connection');
    let socketClosed = false;
    first.socket.once('close', () => (socketClosed = true));

    cloud.authority.setFederatedRoots([]);
    await until(() => socketClosed, 'the server to close the live connection');
    assert.match(closed.join('\n'), /CN=client\.kubernetes no longer chains to a trusted root/);
    await assert.rejects(get(port, agent), 'a new handshake is refused');
    // A client the new trust still anchors keeps its connection.
    assert.equal(closed.length, 1, closed.join('\n'));
    const cloudAgain = await get(port, cloudAgent);
    assert.equal(cloudAgain.status, 200);
    assert.equal(cloudAgain.socket, cloudFirst.socket, 'the Cloud client kept its connection');
  });

  it('with OCSP on: a revoked client is disconnected at the next recheck, and refused before its next request', async () => {
    const server = await identity(cloud, cloudClient, 'server.cloud');
    const { port, closed } = await serve(server, new OcspChecker(cloudClient));
    const clientId = await identity(cloud, cloudClient, 'client.cloud');
    const agent = keepAlive(clientId);
    const first = await get(port, agent);
    assert.equal(first.status, 200);
    let socketClosed = false;
    first.socket.once('close', () => (socketClosed = true));

    const serial = BigInt(`0x${clientId.certificate.serialNumber}`).toString(10);
    const provisioner = await Provisioner.load(cloudClient, {}, cloud.password);
    await cloudClient.revoke({ serial, ott: await provisioner.revokeToken(serial) });
    await until(() => socketClosed, 'the server to close the revoked client\'s connection');
    assert.match(closed.join('\n'), /CN=client\.cloud was revoked at /);
    await assert.rejects(get(port, agent), 'the next connection is closed before it is answered');
  });

  it('clients still trusted and not revoked keep their connection across rechecks', async () => {
    const { port, closed } = await serve(await identity(cloud, cloudClient, 'server.cloud'), new OcspChecker(cloudClient));
    const agent = keepAlive(await identity(cloud, cloudClient, 'steady.cloud'));
    const first = await get(port, agent);
    const before = Date.now();
    await until(() => Date.now() - before > RECHECK_MS * 4, 'a few rechecks');
    const again = await get(port, agent);
    assert.equal(again.status, 200);
    assert.equal(again.socket, first.socket, 'the same connection');
    assert.deepEqual(closed, []);
  });
});
