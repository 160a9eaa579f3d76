import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerRootsFile } from '../src/authority/peerRoots.js';
import { loadAuthority } from '../src/authority/load.js';
import { loadConfig } from '../src/config/load.js';
import { fingerprint } from '../src/pki/issuer.js';
import { pemDers } from '../src/pki/pem.js';
import { CaServer } from '../src/server/server.js';
import type { PeerSyncOutcome } from '../src/server/federationPeers.js';
import { https } from './helpers/https.js';
import { fakeRootServer, miniPki } from './helpers/miniPki.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

/** The fingerprints a CA lists on GET /federation. */
async function federationOf(ca: TestCa, port = ca.port): Promise<string[]> {
  const res = await https({ ...ca, port }, '/federation');
  assert.equal(res.status, 200);
  return res.json<{ crts: string[] }>().crts.flatMap((pem) => pemDers(pem)).map(fingerprint);
}

/** Polls `check` every 50 ms until it holds (the test's own timeout bounds the wait). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A CA (named `name`) that federates with `peer` through `federation.peers`, syncing every `refresh`. */
function peeringCa(name: string, peer: { url: string; fingerprint: string }, outcomes: PeerSyncOutcome[], refresh = '1h'): Promise<TestCa> {
  return startTestCa({
    name,
    editConfig: (config) => {
      config.federation = { peers: [peer], refresh };
    },
    server: { onPeerSync: (outcome) => outcomes.push(outcome) },
  });
}

/** Restarts the CA of a home in a new server on `port` (0: any), as a restart of `fedca start` would. */
async function restart(ca: TestCa, port: number, outcomes: PeerSyncOutcome[] = []): Promise<{ server: CaServer; port: number }> {
  const config = loadConfig(ca.home);
  const authority = await loadAuthority(ca.home, config, ca.password);
  const server = new CaServer(authority, { address: `127.0.0.1:${port}`, dnsNames: config.dnsNames, home: ca.home, federation: config.federation, onPeerSync: (o) => outcomes.push(o) });
  return { server, port: await server.start() };
}

describe('federation peers: a CA syncs the roots of the CAs it peers with', () => {
  let b: TestCa;
  beforeEach(async () => {
    b = await startTestCa({ name: 'PeerB' });
  });
  afterEach(async () => {
    await b.stop().catch(() => undefined);
  });

  it("lists the peer's root on /federation after the first sync, pinned by fingerprint, and keeps it in the home", async () => {
    const outcomes: PeerSyncOutcome[] = [];
    const a = await peeringCa('PeerA', { url: b.url, fingerprint: b.rootFingerprint }, outcomes);
    try {
      const [outcome] = await a.server.syncPeers();
      assert.equal(outcome.error, undefined);
      assert.deepEqual(await federationOf(a), [a.rootFingerprint, b.rootFingerprint]);
      assert.equal((await https(a, `/root/${b.rootFingerprint}`)).status, 200, 'the peer root is served by fingerprint too');
      const stored = JSON.parse(readFileSync(peerRootsFile(a.home, b.url), 'utf8')) as { fingerprint: string; roots: string[] };
      assert.equal(stored.fingerprint, b.rootFingerprint);
      assert.deepEqual(stored.roots.flatMap((pem) => pemDers(pem)).map(fingerprint), [b.rootFingerprint]);
      assert.match(peerRootsFile(a.home, b.url), /pki\/federated\/peers\/localhost_\d+\.json$/);
    } finally {
      await a.stop();
    }
  });

  it("a root the peer adds (rotation) reaches /federation at the next refresh, with no file copied", async () => {
    const outcomes: PeerSyncOutcome[] = [];
    const a = await peeringCa('PeerA', { url: b.url, fingerprint: b.rootFingerprint }, outcomes, '100ms');
    let restarted: CaServer | undefined;
    try {
      await eventually(async () => (await federationOf(a)).includes(b.rootFingerprint));
      // B rotates: a second root joins its `root` list; B restarts on the same port.
      const second = miniPki('PeerB 2');
      writeFileSync(join(b.home, 'pki/root_ca_2.crt'), second.rootPem);
      const file = join(b.home, 'config/ca.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      config.root = ['pki/root_ca.crt', 'pki/root_ca_2.crt'];
      writeFileSync(file, JSON.stringify(config));
      await b.server.stop();
      restarted = (await restart(b, b.port)).server;
      await eventually(async () => (await federationOf(a)).includes(second.rootFingerprint));
      assert.deepEqual(await federationOf(a), [a.rootFingerprint, b.rootFingerprint, second.rootFingerprint]);
      assert.ok(outcomes.some((o) => o.changed && o.roots.length === 2));
    } finally {
      await restarted?.stop();
      await a.stop();
    }
  });

  it("keeps serving the peer's last-known roots while the peer is down, across its own restart", async () => {
    const outcomes: PeerSyncOutcome[] = [];
    const a = await peeringCa('PeerA', { url: b.url, fingerprint: b.rootFingerprint }, outcomes);
    try {
      await a.server.syncPeers();
      await b.server.stop();
      const [down] = await a.server.syncPeers();
      assert.match(down.error ?? '', /cannot reach|ECONNREFUSED/);
      assert.deepEqual(down.roots.map(fingerprint), [b.rootFingerprint]);
      assert.deepEqual(await federationOf(a), [a.rootFingerprint, b.rootFingerprint]);

      await a.server.stop();
      const again = await restart(a, 0);
      try {
        assert.deepEqual(await federationOf(a, again.port), [a.rootFingerprint, b.rootFingerprint], 'read back from pki/federated/peers');
      } finally {
        await again.server.stop();
      }
    } finally {
      await a.stop().catch(() => undefined);
    }
  });

  it('does not trust a peer whose CA has no root with the pinned fingerprint', async () => {
    const other = miniPki('Somebody else');
    const outcomes: PeerSyncOutcome[] = [];
    const a = await peeringCa('PeerA', { url: b.url, fingerprint: other.rootFingerprint }, outcomes);
    try {
      const [outcome] = await a.server.syncPeers();
      assert.match(outcome.error ?? '', new RegExp(`no root with fingerprint ${other.rootFingerprint}`));
      assert.deepEqual(await federationOf(a), [a.rootFingerprint]);
      assert.equal(existsSync(peerRootsFile(a.home, b.url)), false);
    } finally {
      await a.stop();
    }
  });

  it('does not trust a peer that answers with a root other than the pinned one', async () => {
    const pinned = miniPki('Pinned');
    const impostor = miniPki('Impostor');
    const fake = await fakeRootServer(pinned.serverIdentity(['localhost']), impostor.rootPem);
    const outcomes: PeerSyncOutcome[] = [];
    const a = await peeringCa('PeerA', { url: fake.url, fingerprint: pinned.rootFingerprint }, outcomes);
    try {
      const [outcome] = await a.server.syncPeers();
      assert.match(outcome.error ?? '', new RegExp(`fingerprint ${impostor.rootFingerprint}, not ${pinned.rootFingerprint}`));
      const listed = await federationOf(a);
      assert.ok(!listed.includes(impostor.rootFingerprint) && !listed.includes(pinned.rootFingerprint));
    } finally {
      await a.stop();
      await fake.stop();
    }
  });

  it('a new pin or a removed peer (SIGHUP) drops the roots synced under the old configuration at once', async () => {
    const outcomes: PeerSyncOutcome[] = [];
    const a = await peeringCa('PeerA', { url: b.url, fingerprint: b.rootFingerprint }, outcomes);
    try {
      await a.server.syncPeers();
      assert.ok((await federationOf(a)).includes(b.rootFingerprint));
      a.server.reconfigurePeers({ peers: [{ url: b.url, fingerprint: miniPki('Other').rootFingerprint }], refresh: '1h' });
      assert.deepEqual(await federationOf(a), [a.rootFingerprint], 're-pinned: the old roots are not trusted');
      a.server.reconfigurePeers({ peers: [{ url: b.url, fingerprint: b.rootFingerprint }], refresh: '1h' });
      await a.server.syncPeers();
      assert.ok((await federationOf(a)).includes(b.rootFingerprint));
      a.server.reconfigurePeers({ peers: [], refresh: '1h' });
      assert.deepEqual(await federationOf(a), [a.rootFingerprint], 'removed');
    } finally {
      await a.stop();
    }
  });
});
