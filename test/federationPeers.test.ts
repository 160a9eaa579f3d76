import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAuthority } from '../src/home/load.js';
import { loadConfig, NO_FEDERATION } from '../src/config/load.js';
import { fingerprint } from '../src/pki/issuer.js';
import { pemDers } from '../src/pki/pem.js';
import { CaServer } from '../src/server/server.js';
import type { PeerSyncOutcome } from '../src/server/federationPeers.js';
import { https } from './helpers/https.js';
import { fakeRootServer, miniPki } from './helpers/miniPki.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { until } from './helpers/wait.js';

/** The fingerprints a CA lists on GET /federation. */
async function federationOf(ca: TestCa, port = ca.port): Promise<string[]> {
  const res = await https({ ...ca, port }, '/federation');
  assert.equal(res.status, 200);
  return res.json<{ crts: string[] }>().crts.flatMap((pem) => pemDers(pem)).map(fingerprint);
}

/** A CA that federates with `peer` through `federation.peers`, syncing every `refresh`; `outcomes` collects each sync's. */
async function peeringCa(peer: { url: string; fingerprint: string }, refresh = '1h'): Promise<TestCa & { outcomes: PeerSyncOutcome[] }> {
  const outcomes: PeerSyncOutcome[] = [];
  const ca = await startTestCa({
    name: 'PeerA',
    editConfig: (config) => {
      config.federation = { peers: [peer], refresh };
    },
    server: { onPeerSync: (outcome) => outcomes.push(outcome) },
  });
  return { ...ca, outcomes };
}

/** Restarts the CA of a home in a new server on `port` (0: any), as a restart of `fedca start` would. */
async function restart(ca: TestCa, port: number): Promise<{ server: CaServer; port: number }> {
  const config = loadConfig(ca.home);
  const authority = await loadAuthority(ca.home, config, ca.password);
  const server = new CaServer(authority, { address: `127.0.0.1:${port}`, dnsNames: config.dnsNames, home: ca.home, federation: config.federation, onPeerSync: () => undefined });
  return { server, port: await server.start() };
}

describe('federation peers: a CA syncs the roots of the CAs it peers with', () => {
  let b: TestCa;
  /** Stopped after each test, newest first. */
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    b = await startTestCa({ name: 'PeerB' });
    stops.push(() => b.stop());
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  });

  async function peerOfB(fingerprint = b.rootFingerprint, refresh?: string): Promise<TestCa & { outcomes: PeerSyncOutcome[] }> {
    const a = await peeringCa({ url: b.url, fingerprint }, refresh);
    stops.push(() => a.stop());
    return a;
  }

  it("lists the peer's root on /federation after the first sync, pinned by fingerprint, and keeps it in the store", async () => {
    const a = await peerOfB();
    const [outcome] = await a.server.syncPeers();
    assert.equal(outcome.error, undefined);
    assert.deepEqual(await federationOf(a), [a.rootFingerprint, b.rootFingerprint]);
    assert.equal((await https(a, `/root/${b.rootFingerprint}`)).status, 200, 'the peer root is served by fingerprint too');
    const [stored] = await a.authority.store.peerRoots();
    assert.equal(stored.url, b.url);
    assert.equal(stored.fingerprint, b.rootFingerprint);
    assert.deepEqual(stored.roots.map(fingerprint), [b.rootFingerprint]);
    assert.equal(stored.error, '');
  });

  it('a root the peer adds (rotation) reaches /federation at the next refresh, with no file copied', async () => {
    const a = await peerOfB(b.rootFingerprint, '100ms');
    await until(async () => (await federationOf(a)).includes(b.rootFingerprint), "B's root on A's /federation");
    // B rotates: a second root joins its `root` list; B restarts on the same port.
    const second = miniPki('PeerB 2');
    writeFileSync(join(b.home, 'pki/root_ca_2.crt'), second.rootPem);
    const file = join(b.home, 'config/ca.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    config.root = ['pki/root_ca.crt', 'pki/root_ca_2.crt'];
    writeFileSync(file, JSON.stringify(config));
    await b.server.stop();
    const restarted = await restart(b, b.port);
    stops.push(() => restarted.server.stop());
    await until(async () => (await federationOf(a)).includes(second.rootFingerprint), "B's second root on A's /federation");
    assert.deepEqual(await federationOf(a), [a.rootFingerprint, b.rootFingerprint, second.rootFingerprint]);
    assert.ok(a.outcomes.some((o) => o.changed && o.roots.length === 2));
  });

  it("keeps serving the peer's last-known roots while the peer is down, across its own restart", async () => {
    const a = await peerOfB();
    await a.server.syncPeers();
    await b.server.stop();
    const [down] = await a.server.syncPeers();
    assert.match(down.error ?? '', /cannot reach|ECONNREFUSED/);
    assert.deepEqual(down.roots.map(fingerprint), [b.rootFingerprint]);
    assert.deepEqual(await federationOf(a), [a.rootFingerprint, b.rootFingerprint]);

    await a.server.stop();
    const again = await restart(a, 0);
    stops.push(() => again.server.stop());
    assert.deepEqual(await federationOf(a, again.port), [a.rootFingerprint, b.rootFingerprint], 'read back from the store');
  });

  it('does not trust a peer whose CA has no root with the pinned fingerprint', async () => {
    const other = miniPki('Somebody else');
    const a = await peerOfB(other.rootFingerprint);
    const [outcome] = await a.server.syncPeers();
    assert.match(outcome.error ?? '', new RegExp(`no root with fingerprint ${other.rootFingerprint}`));
    assert.deepEqual(await federationOf(a), [a.rootFingerprint]);
    assert.deepEqual((await a.authority.store.peerRoots()).flatMap((r) => r.roots), []);
  });

  it('does not trust a peer that answers with a root other than the pinned one', async () => {
    const pinned = miniPki('Pinned');
    const impostor = miniPki('Impostor');
    const fake = await fakeRootServer(pinned.serverIdentity(['localhost']), impostor.rootPem);
    stops.push(() => fake.stop());
    const a = await peeringCa({ url: fake.url, fingerprint: pinned.rootFingerprint });
    stops.push(() => a.stop());
    const [outcome] = await a.server.syncPeers();
    assert.match(outcome.error ?? '', new RegExp(`fingerprint ${impostor.rootFingerprint}, not ${pinned.rootFingerprint}`));
    const listed = await federationOf(a);
    assert.ok(!listed.includes(impostor.rootFingerprint) && !listed.includes(pinned.rootFingerprint));
  });

  it('a new pin or a removed peer (SIGHUP) drops the roots synced under the old configuration at once', async () => {
    const a = await peerOfB();
    await a.server.syncPeers();
    assert.ok((await federationOf(a)).includes(b.rootFingerprint));
    a.server.reconfigurePeers({ ...NO_FEDERATION, peers: [{ url: b.url, fingerprint: miniPki('Other').rootFingerprint }] });
    assert.deepEqual(await federationOf(a), [a.rootFingerprint], 're-pinned: the old roots are not trusted');
    a.server.reconfigurePeers({ ...NO_FEDERATION, peers: [{ url: b.url, fingerprint: b.rootFingerprint }] });
    await a.server.syncPeers();
    assert.ok((await federationOf(a)).includes(b.rootFingerprint));
    a.server.reconfigurePeers({ ...NO_FEDERATION, peers: [] });
    assert.deepEqual(await federationOf(a), [a.rootFingerprint], 'removed');
  });
});
