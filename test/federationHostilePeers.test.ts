import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerRootsFile } from '../src/home/peerRoots.js';
import { generateKey } from '../src/pki/keys.js';
import { fingerprint } from '../src/pki/issuer.js';
import { issueRoot } from '../src/pki/issueCertificate.js';
import { pemDers, toPem } from '../src/pki/pem.js';
import type { PeerConfig } from '../src/config/caConfig.js';
import type { PeerSyncOutcome } from '../src/server/federationPeers.js';
import { https } from './helpers/https.js';
import { standInPeer, type RootsBehaviour, type StandInPeer } from './helpers/standInPeer.js';
import { loadConfig } from '../src/config/load.js';
import { loadAuthority } from '../src/home/load.js';
import { CaServer } from '../src/server/server.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { until } from './helpers/wait.js';

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The fingerprints a CA lists on GET /federation. */
async function federationOf(ca: TestCa): Promise<string[]> {
  const res = await https(ca, '/federation');
  assert.equal(res.status, 200);
  return res.json<{ crts: string[] }>().crts.flatMap((pem) => pemDers(pem)).map(fingerprint);
}

describe('federation peers: a hostile or broken peer costs the CA little and hurts no other peer', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  });

  async function peer(name: string, behaviour: RootsBehaviour): Promise<StandInPeer> {
    const p = await standInPeer(name, behaviour);
    stops.push(() => p.stop());
    return p;
  }

  /** A CA peering with `peers` (refresh and timeout as given); `outcomes` collects every sync's. */
  async function peeringCa(peers: readonly StandInPeer[], federation: Record<string, unknown> = {}): Promise<TestCa & { outcomes: PeerSyncOutcome[] }> {
    const outcomes: PeerSyncOutcome[] = [];
    const ca = await startTestCa({
      name: 'Hub',
      editConfig: (config) => {
        config.federation = { peers: peers.map((p): PeerConfig => ({ url: p.url, fingerprint: p.pki.rootFingerprint })), refresh: '100ms', timeout: '2s', ...federation };
      },
      server: { onPeerSync: (outcome) => outcomes.push(outcome) },
    });
    stops.push(() => ca.stop());
    return { ...ca, outcomes };
  }

  const of = (outcomes: readonly PeerSyncOutcome[], p: StandInPeer): PeerSyncOutcome[] => outcomes.filter((o) => o.url === p.url);

  it('trickling, silent and flooding peers are cut by their deadline and caps, while a healthy peer keeps syncing and /health answers', async () => {
    let healthyRoots = [] as string[];
    const healthy = await peer('Healthy', { kind: 'answer', roots: () => healthyRoots });
    healthyRoots = [healthy.pki.rootPem];
    const trickling = await peer('Trickling', { kind: 'trickle' });
    const silent = await peer('Silent', { kind: 'silent' });
    const floodingBytes = await peer('FloodingBytes', { kind: 'flood', bytes: 64 * 1024 * 1024 });
    const manyRoots = Array.from({ length: 50 }, (_, i) => toPem(issueRoot(`Many ${i}`, generateKey({ kty: 'EC' }))));
    let flooding: StandInPeer | undefined;
    flooding = await peer('FloodingRoots', { kind: 'answer', roots: () => [flooding?.pki.rootPem ?? '', ...manyRoots] });
    const ca = await peeringCa([trickling, silent, floodingBytes, flooding, healthy]);

    await until(() => of(ca.outcomes, trickling).length > 0 && of(ca.outcomes, silent).length > 0, 'the stuck peers to be cut by their deadline');
    // Meanwhile the healthy peer synced again and again, each sync on its own.
    const healthyBefore = of(ca.outcomes, healthy);
    assert.ok(healthyBefore.length >= 2, `the healthy peer synced ${healthyBefore.length} time(s) while the stuck ones hung`);
    assert.ok(healthyBefore.every((o) => o.error === undefined));
    assert.equal(of(ca.outcomes, trickling)[0].error, 'the peer did not answer within federation.timeout (2s)');
    assert.equal(of(ca.outcomes, silent)[0].error, 'the peer did not answer within federation.timeout (2s)');
    await until(() => of(ca.outcomes, floodingBytes).length > 0 && of(ca.outcomes, flooding as StandInPeer).length > 0, 'the flooding peers to be refused');
    assert.equal(of(ca.outcomes, floodingBytes)[0].error, "the CA's answer to GET /roots is larger than 262144 bytes");
    assert.equal(of(ca.outcomes, flooding)[0].error, 'the peer lists 51 roots, more than maxRoots (10)');

    assert.deepEqual(await federationOf(ca), [ca.rootFingerprint, healthy.pki.rootFingerprint], 'only the healthy peer joins the federation');
    assert.equal((await https(ca, '/health')).status, 200);

    // The healthy peer rotates (a second root beside the first): it arrives while the stuck ones are stuck again.
    const next = issueRoot('Healthy 2', generateKey({ kty: 'EC' }));
    healthyRoots = [healthy.pki.rootPem, toPem(next)];
    await until(async () => (await federationOf(ca)).includes(fingerprint(next)), "the healthy peer's new root");
    assert.equal((await https(ca, '/health')).status, 200);
  });

  it('a peer added on SIGHUP syncs at once while another peer is stuck (a new sync joins no stuck one)', async () => {
    const trickling = await peer('Trickling', { kind: 'trickle' });
    let healthy: StandInPeer | undefined;
    healthy = await peer('Healthy', { kind: 'answer', roots: () => [healthy?.pki.rootPem ?? ''] });
    const ca = await peeringCa([trickling], { timeout: '60s' });
    await until(() => trickling.rootsRequests() === 1, 'the trickling peer to be asked');
    const config = loadConfig(ca.home);
    ca.server.reconfigurePeers({ ...config.federation, peers: [...config.federation.peers, { url: healthy.url, fingerprint: healthy.pki.rootFingerprint }] });
    await until(async () => (await federationOf(ca)).includes(healthy.pki.rootFingerprint), "the new peer's root");
    assert.deepEqual(of(ca.outcomes, trickling), [], 'the trickling peer is still stuck, alone');
  });

  it('roots that older versions kept in pki/federated/peers/ move into the store and are served before any fetch', async () => {
    const p = await peer('Legacy', { kind: 'silent' });
    const ca = await peeringCa([p], { refresh: '1h', timeout: '60s' });
    await ca.server.stop();
    mkdirSync(join(ca.home, 'pki/federated/peers'), { recursive: true });
    writeFileSync(peerRootsFile(ca.home, p.url), JSON.stringify({ url: p.url, fingerprint: p.pki.rootFingerprint, fetchedAt: new Date().toISOString(), roots: [p.pki.rootPem] }));
    const config = loadConfig(ca.home);
    const authority = await loadAuthority(ca.home, config, ca.password);
    const again = new CaServer(authority, { address: '127.0.0.1:0', dnsNames: config.dnsNames, home: ca.home, federation: config.federation, onPeerSync: () => undefined });
    const port = await again.start();
    stops.push(() => again.stop());
    await until(async () => (await federationOf({ ...ca, port })).includes(p.pki.rootFingerprint), 'the legacy roots on /federation');
    const [record] = await authority.store.peerRoots();
    assert.deepEqual(record.roots.map(fingerprint), [p.pki.rootFingerprint]);
  });

  it('an answer without the pinned root (swapped) is refused and the last good roots kept', async () => {
    const impostor = issueRoot('Impostor', generateKey({ kty: 'EC' }));
    let swapped = false;
    let p: StandInPeer | undefined;
    p = await peer('Swapping', { kind: 'answer', roots: () => (swapped ? [toPem(impostor)] : [p?.pki.rootPem ?? '']) });
    const ca = await peeringCa([p], { refresh: '1h' });
    const [first] = await ca.server.syncPeers();
    assert.equal(first.error, undefined);
    swapped = true;
    const [second] = await ca.server.syncPeers();
    assert.equal(second.error, `the peer's /roots no longer lists the pinned root ${p.pki.rootFingerprint} (to rotate, list the new root beside it, then re-pin)`);
    assert.deepEqual(second.roots.map(fingerprint), [p.pki.rootFingerprint]);
    assert.deepEqual(await federationOf(ca), [ca.rootFingerprint, p.pki.rootFingerprint]);
    // The next sync still trusts the pinned root (the peer did not lock itself out).
    swapped = false;
    const [third] = await ca.server.syncPeers();
    assert.equal(third.error, undefined);
  });

  for (const [what, now, message] of [
    ['expired', new Date(Date.now() - 2 * YEAR_MS), 'the peer lists an expired root'],
    ['not yet valid', new Date(Date.now() + YEAR_MS), 'the peer lists a root that is not valid yet'],
  ] as const) {
    it(`an answer holding a root that is ${what} is refused and the last good roots kept`, async () => {
      const bad = issueRoot('Bad dates', generateKey({ kty: 'EC' }), 1, now);
      let withBad = false;
      let p: StandInPeer | undefined;
      p = await peer('Dated', { kind: 'answer', roots: () => [p?.pki.rootPem ?? '', ...(withBad ? [toPem(bad)] : [])] });
      const ca = await peeringCa([p], { refresh: '1h' });
      assert.equal((await ca.server.syncPeers())[0].error, undefined);
      withBad = true;
      const [refused] = await ca.server.syncPeers();
      assert.equal(refused.error, `${message} (sha256 ${fingerprint(bad)})`);
      assert.deepEqual(await federationOf(ca), [ca.rootFingerprint, p.pki.rootFingerprint]);
    });
  }

  it('a failing peer backs off and is reported once per change of state, not at every attempt', async () => {
    const p = await peer('Silent', { kind: 'silent' });
    const ca = await peeringCa([p], { refresh: '50ms', timeout: '100ms' });
    await until(() => of(ca.outcomes, p).length >= 3, 'three failed syncs');
    assert.deepEqual(of(ca.outcomes, p).slice(0, 3).map((o) => o.stateChanged), [true, false, false]);
    const [record] = await ca.authority.store.peerRoots();
    assert.ok(record.failures >= 3, `failures ${record.failures}`);
    // Doubling from `refresh`: after n failures the next try is refresh × 2^(n-1) after the last.
    assert.ok(record.nextSyncAt.getTime() - Date.now() <= 50 * 2 ** (record.failures - 1));
    assert.ok(p.rootsRequests() < 10, `${p.rootsRequests()} requests: no backoff`);
  });

  it('several processes on one store: one of them fetches a peer, every one serves its roots', async () => {
    let p: StandInPeer | undefined;
    p = await peer('Counted', { kind: 'answer', roots: () => [p?.pki.rootPem ?? ''] });
    const first = await peeringCa([p], { refresh: '1h' });
    const config = loadConfig(first.home);
    const authority = await loadAuthority(first.home, config, first.password);
    const second = new CaServer(authority, { address: '127.0.0.1:0', dnsNames: config.dnsNames, home: first.home, federation: config.federation, onPeerSync: () => undefined });
    const port = await second.start();
    stops.push(() => second.stop());
    await until(async () => (await federationOf(first)).includes(p.pki.rootFingerprint), 'the first process to serve the peer root');
    await until(async () => (await federationOf({ ...first, port })).includes(p.pki.rootFingerprint), 'the second process to serve the peer root');
    assert.equal(p.rootsRequests(), 1, 'the peer was fetched once for the CA, not once per process');
  });
});
