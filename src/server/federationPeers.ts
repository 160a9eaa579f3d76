import type { Authority } from '../authority/authority.js';
import { readPeerRoots, writePeerRoots, type PeerRoots } from '../home/peerRoots.js';
import type { FederationConfig, PeerConfig } from '../config/caConfig.js';
import { parseDuration } from '../config/duration.js';
import { fingerprint } from '../pki/fingerprint.js';
import { pemDers, toPem } from '../pki/pem.js';
import { isRoot } from '../pki/root.js';
import { CaClient } from '../sdk/caClient.js';

/** What one sync of one peer came to. */
export interface PeerSyncOutcome {
  readonly url: string;
  /** The peer's roots held now: the fetched ones, or the last-known ones after a failure. */
  readonly roots: readonly Buffer[];
  /** True when this sync changed the roots held for the peer. */
  readonly changed: boolean;
  /** Why fetching failed (the last-known roots, if any, are kept). */
  readonly error?: string;
}

/** How `FederationPeers` runs. */
export interface FederationPeersOptions {
  /** The CA home: last-known roots persist in its `pki/federated/peers/`. */
  readonly home: string;
  readonly federation: FederationConfig;
  /** Called with the outcome of each peer's sync. */
  readonly onSync: (outcome: PeerSyncOutcome) => void;
  /** Per-request timeout towards a peer; default 10 s. */
  readonly timeoutMs?: number;
}

const PEER_TIMEOUT_MS = 10_000;
const HOUR_MS = 3_600_000;

const sameRoots = (a: readonly Buffer[], b: readonly Buffer[]): boolean =>
  a.length === b.length && a.every((der, i) => der.equals(b[i]));

/** The roots a peer answers on `/roots`, checked to be roots; Error otherwise. */
function checkedRoots(pems: readonly string[], peer: PeerConfig, pinned: boolean): Buffer[] {
  const ders = pems.flatMap((pem) => pemDers(pem));
  if (ders.length === 0) throw new Error('the peer lists no roots');
  for (const der of ders) {
    if (!isRoot(der)) throw new Error(`the peer lists a certificate that is not a root (sha256 ${fingerprint(der)})`);
  }
  // The pin names the peer's own root: a root it only federates with must not anchor the peer.
  if (pinned && !ders.some((der) => fingerprint(der) === peer.fingerprint)) {
    throw new Error(`the peer's /roots does not list the pinned root ${peer.fingerprint}`);
  }
  return ders;
}

/**
 * Keeps the roots of peer CAs (config `federation.peers`) in the authority's
 * federation. The first fetch of a peer is pinned: its root must have the
 * configured fingerprint and the TLS chain the peer presents must lead to it
 * (`CaClient.bootstrap`). Later fetches of `/roots` trust only the roots already
 * held for that peer, so a root the peer adds (rotation) arrives over a
 * connection authenticated by the one it had. Fetched roots persist in the home;
 * a peer that is down or answers wrongly keeps its last-known roots.
 *
 * Each server process syncs on its own (workers included): writes are atomic
 * and every process needs the roots in its own authority anyway.
 */
export class FederationPeers {
  private readonly held = new Map<string, PeerRoots>();
  private federation: FederationConfig;
  private timer?: NodeJS.Timeout;
  private running?: Promise<PeerSyncOutcome[]>;
  private readonly clients = new Set<CaClient>();
  private stopped = false;

  constructor(
    private readonly authority: Authority,
    private readonly options: FederationPeersOptions,
  ) {
    this.federation = options.federation;
  }

  /** Publishes the last-known roots of every configured peer (from memory, else the home). */
  private load(): void {
    for (const url of [...this.held.keys()]) {
      if (!this.federation.peers.some((p) => p.url === url && p.fingerprint === this.held.get(url)?.fingerprint)) this.held.delete(url);
    }
    for (const peer of this.federation.peers) {
      if (this.held.has(peer.url)) continue;
      try {
        const record = readPeerRoots(this.options.home, peer);
        if (record) this.held.set(peer.url, record);
      } catch (err) {
        this.options.onSync({ url: peer.url, roots: [], changed: false, error: (err as Error).message });
      }
    }
    this.publish();
  }

  private publish(): void {
    this.authority.setPeerRoots(this.federation.peers.flatMap((p) => this.held.get(p.url)?.roots ?? []));
  }

  /** Loads the last-known roots, syncs every peer now, then every `federation.refresh`. */
  start(): void {
    this.stopped = false;
    this.load();
    this.schedule();
    void this.sync();
  }

  private schedule(): void {
    clearInterval(this.timer);
    if (this.federation.peers.length === 0) return;
    this.timer = setInterval(() => void this.sync(), parseDuration(this.federation.refresh) ?? HOUR_MS);
    this.timer.unref();
  }

  /** Takes a new `federation` config (SIGHUP): drops removed peers, re-pins changed ones, syncs (after a sync under way). */
  reconfigure(federation: FederationConfig): void {
    this.federation = federation;
    this.load();
    this.schedule();
    void (this.running ?? Promise.resolve()).then(() => this.sync());
  }

  /** Syncs every peer now (a sync already running is joined); resolves each peer's outcome. */
  sync(): Promise<PeerSyncOutcome[]> {
    if (this.stopped) return Promise.resolve([]);
    if (!this.running) {
      this.running = Promise.all(this.federation.peers.map((peer) => this.syncPeer(peer))).finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  private async syncPeer(peer: PeerConfig): Promise<PeerSyncOutcome> {
    const before = this.held.get(peer.url);
    let outcome: PeerSyncOutcome;
    try {
      const roots = await this.fetchRoots(peer, before?.roots);
      if (this.stopped || !this.federation.peers.some((p) => p.url === peer.url && p.fingerprint === peer.fingerprint)) {
        return { url: peer.url, roots: before?.roots ?? [], changed: false, error: 'the peer was removed from the configuration meanwhile' };
      }
      const record = { url: peer.url, fingerprint: peer.fingerprint, roots, fetchedAt: new Date() };
      this.held.set(peer.url, record);
      this.publish();
      writePeerRoots(this.options.home, record);
      outcome = { url: peer.url, roots, changed: !before || !sameRoots(before.roots, roots) };
    } catch (err) {
      outcome = { url: peer.url, roots: this.held.get(peer.url)?.roots ?? [], changed: false, error: (err as Error).message };
    }
    this.options.onSync(outcome);
    return outcome;
  }

  /** The peer's `/roots`: pinned by fingerprint the first time, else over TLS trusting `held`. */
  private async fetchRoots(peer: PeerConfig, held: readonly Buffer[] | undefined): Promise<Buffer[]> {
    const timeoutMs = this.options.timeoutMs ?? PEER_TIMEOUT_MS;
    const client = held
      ? new CaClient({ caUrl: peer.url, rootPem: held.map((der) => toPem(der)).join(''), timeoutMs })
      : await CaClient.bootstrap(peer.url, peer.fingerprint, { timeoutMs });
    this.clients.add(client);
    try {
      return checkedRoots(await client.roots(), peer, !held);
    } finally {
      this.clients.delete(client);
      client.close();
    }
  }

  /** Stops syncing; fetches in flight are cut and their results dropped. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const client of this.clients) client.close();
  }
}
