import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { Server } from 'node:https';
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { pemDers } from '../src/pki/pem.js';
import { CaClient } from '../src/sdk/caClient.js';
import { commonName } from '../src/sdk/clientCertificate.js';
import { ManagedIdentity, type ManagedIdentityOptions } from '../src/sdk/managedIdentity.js';
import { peerAnchor } from '../src/sdk/peerAnchor.js';
import { Provisioner } from '../src/sdk/provisioner.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

/** A test CA that issues certificates as short as one second. */
const shortLivedCa = (name: string, federatedRoots: string[] = []): Promise<TestCa> =>
  startTestCa({
    name,
    editConfig: (config) => {
      (config.authority as { claims: Record<string, string> }).claims.minTLSCertDuration = '1s';
      config.federatedRoots = federatedRoots;
    },
  });

/** What a GET answered, and over which connection. */
interface Answer {
  readonly status: number;
  readonly body: string;
  readonly socket: TLSSocket;
}

function get(port: number, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      const socket = res.socket as TLSSocket;
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, socket }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('ManagedIdentity: a workload certificate kept fresh, and TLS that follows it', () => {
  let cloud: TestCa;
  let kubernetes: TestCa;
  let cloudClient: CaClient;
  let kubernetesClient: CaClient;
  let cloudProvisioner: Provisioner;
  let kubernetesProvisioner: Provisioner;
  const identities: ManagedIdentity[] = [];
  const servers: Server[] = [];
  const agents: Agent[] = [];

  before(async () => {
    cloud = await shortLivedCa('Cloud');
    kubernetes = await shortLivedCa('Kubernetes', [cloud.rootFile]);
    cloud.authority.setFederatedRoots(pemDers(kubernetes.rootPem));
    cloudClient = new CaClient({ caUrl: cloud.url, rootPem: cloud.rootPem });
    kubernetesClient = new CaClient({ caUrl: kubernetes.url, rootPem: kubernetes.rootPem });
    cloudProvisioner = await Provisioner.load(cloudClient, {}, cloud.password);
    kubernetesProvisioner = await Provisioner.load(kubernetesClient, {}, kubernetes.password);
  });
  afterEach(async () => {
    for (const identity of identities.splice(0)) identity.stop();
    for (const agent of agents.splice(0)) agent.destroy();
    for (const server of servers.splice(0)) await close(server);
    cloud.authority.setFederatedRoots(pemDers(kubernetes.rootPem));
  });
  after(async () => {
    cloudClient.close();
    kubernetesClient.close();
    await cloud.stop();
    await kubernetes.stop();
  });

  async function identity(options: Omit<ManagedIdentityOptions, 'client'> & { client?: CaClient }): Promise<ManagedIdentity> {
    const made = await ManagedIdentity.obtain({ client: cloudClient, onError: () => undefined, ...options });
    identities.push(made);
    return made;
  }

  /** An agent destroyed after the test. */
  function agentOf(made: Agent): Agent {
    agents.push(made);
    return made;
  }

  /** A Cloud server identity and a Kubernetes client identity; `renewal` resolves at the server's first renewal. */
  async function serverAndClient(lifetime?: string): Promise<{ server: ManagedIdentity; client: ManagedIdentity; renewal: Promise<void> }> {
    let renewed!: () => void;
    const renewal = new Promise<void>((resolve) => (renewed = resolve));
    const server = await identity({ subject: 'localhost', sans: ['localhost', '127.0.0.1'], token: cloudProvisioner, lifetime, onRenewed: () => renewed() });
    const client = await identity({ client: kubernetesClient, subject: 'kube_client', token: kubernetesProvisioner });
    return { server, client, renewal };
  }

  /** A server of a Cloud identity that answers with the CN of the root anchoring the client. */
  async function greeter(id: ManagedIdentity, trust: 'federation' | 'roots' = 'federation'): Promise<{ port: number; refused: string[] }> {
    const server = id.createServer({ trust }, (req, res) => {
      const root = peerAnchor(req.socket as TLSSocket, id.trustedRoots(trust));
      res.end(root ? commonName(root) : 'no anchor');
    });
    // Why TLS refused a client: the verification error, else what the handshake said.
    const refused: string[] = [];
    server.on('tlsClientError', (err, socket) => refused.push(String(socket.authorizationError ?? err.message)));
    servers.push(server);
    return { port: await listen(server), refused };
  }

  it('obtains a certificate for its subject and SANs, and the CA roots and federation', async () => {
    const id = await identity({ subject: 'svc.cloud', sans: ['svc.cloud', '127.0.0.1'], token: cloudProvisioner, lifetime: '1h' });
    assert.equal(commonName(id.certificate), 'svc.cloud');
    assert.equal(id.certificate.subjectAltName, 'DNS:svc.cloud, IP Address:127.0.0.1');
    assert.equal(pemDers(id.certificatePem).length, 2, 'leaf and intermediate');
    assert.ok(id.certificate.checkPrivateKey((await import('node:crypto')).createPrivateKey(id.keyPem)));
    assert.deepEqual(id.trustedRoots().map((r) => commonName(r)), ['Cloud Root CA', 'Kubernetes Root CA']);
    assert.deepEqual(id.trustedRoots('roots').map((r) => commonName(r)), ['Cloud Root CA']);
    const life = Date.parse(id.certificate.validTo) - Date.now();
    const untilRenewal = id.renewsAt.getTime() - Date.now();
    assert.ok(untilRenewal > life * 0.6 && untilRenewal < life * 0.7, `renews at 2/3: ${untilRenewal} of ${life} ms`);
  });

  it('takes the SANs of a one-time token when none are given', async () => {
    const id = await identity({ subject: 'svc.cloud', token: await cloudProvisioner.token('svc.cloud', { sans: ['svc.cloud', 'alt.cloud'] }) });
    assert.equal(id.certificate.subjectAltName, 'DNS:svc.cloud, DNS:alt.cloud');
  });

  it('with a one-time token alone, renews over mTLS and keeps its key', async function () {
    this.timeout(20_000);
    let renewed!: () => void;
    const renewal = new Promise<void>((resolve) => (renewed = resolve));
    const id = await identity({ subject: 'svc.cloud', token: await cloudProvisioner.token('svc.cloud'), lifetime: '2s', onRenewed: () => renewed() });
    const [serial, key] = [id.certificate.serialNumber, id.keyPem];
    await renewal;
    assert.notEqual(id.certificate.serialNumber, serial);
    assert.equal(id.keyPem, key);
    assert.equal(id.certificate.subjectAltName, 'DNS:svc.cloud');
  });

  it('when the CA refuses the renewal (revoked), gets a fresh certificate for a new key from its token source', async () => {
    const errors: Error[] = [];
    const id = await identity({ subject: 'svc.cloud', token: cloudProvisioner, onError: (err) => errors.push(err) });
    const [serial, key] = [id.certificate.serialNumber, id.keyPem];
    const der = pemDers(id.certificatePem)[0];
    await cloud.authority.revoke({ serial: BigInt('0x' + serial).toString(10), reasonCode: 4, reason: 'superseded', clientCertificate: { der, chainVerified: false } });
    await id.renew();
    assert.notEqual(id.certificate.serialNumber, serial);
    assert.notEqual(id.keyPem, key);
    assert.deepEqual(errors, []);
  });

  it('a server and an agent of two federated clouds talk mTLS, and the server knows the root anchoring the client', async () => {
    const { server, client } = await serverAndClient();
    const { port } = await greeter(server);
    const agent = agentOf(client.createAgent());
    const answer = await get(port, agent);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'Kubernetes Root CA');
    assert.equal(new X509Certificate(answer.socket.getPeerCertificate().raw).serialNumber, server.certificate.serialNumber);
  });

  it('refuses at the TLS handshake a client anchored outside the trusted roots, or with no certificate', async () => {
    const { server, client } = await serverAndClient();
    const ownRootsOnly = await greeter(server, 'roots');
    const agent = agentOf(client.createAgent({ keepAlive: false }));
    const anonymous = agentOf(new Agent({ ca: server.trustedRootsPem(), keepAlive: false }));
    await assert.rejects(get(ownRootsOnly.port, agent), /alert|socket hang up|ECONNRESET|certificate/i);
    await assert.rejects(get(ownRootsOnly.port, anonymous), /alert|socket hang up|ECONNRESET|certificate/i);
    assert.equal(ownRootsOnly.refused.length, 2);
    assert.equal(ownRootsOnly.refused[0], 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.match(ownRootsOnly.refused[1], /peer did not return a certificate/);
  });

  it('renews at 2/3 of its lifetime: open connections stay, new ones get the new certificate', async function () {
    this.timeout(20_000);
    const { server, client, renewal } = await serverAndClient('3s');
    const first = server.certificate.serialNumber;
    const { port } = await greeter(server);
    const kept = agentOf(client.createAgent({ keepAlive: true }));
    const fresh = agentOf(client.createAgent({ keepAlive: false }));
    const before = await get(port, kept);
    await renewal;
    assert.notEqual(server.certificate.serialNumber, first);
    const after = await get(port, kept);
    assert.equal(after.status, 200);
    assert.equal(after.socket, before.socket, 'the connection opened before the renewal is still in use');
    assert.equal(new X509Certificate(after.socket.getPeerCertificate().raw).serialNumber, first);
    const renewedAnswer = await get(port, fresh);
    assert.equal(renewedAnswer.status, 200);
    assert.equal(new X509Certificate(renewedAnswer.socket.getPeerCertificate().raw).serialNumber, server.certificate.serialNumber);
  });

  it("refreshes the CA's federation at each renewal: a root the CA drops is no longer trusted", async function () {
    this.timeout(20_000);
    const { server, client, renewal } = await serverAndClient('3s');
    const { port, refused } = await greeter(server);
    const agent = agentOf(client.createAgent({ keepAlive: false }));
    assert.equal((await get(port, agent)).status, 200);
    cloud.authority.setFederatedRoots([]);
    await renewal;
    assert.deepEqual(server.trustedRoots().map((r) => commonName(r)), ['Cloud Root CA']);
    await assert.rejects(get(port, agent));
    assert.deepEqual(refused, ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);
  });
});
