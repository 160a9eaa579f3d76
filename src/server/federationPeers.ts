import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Authority } from '../authority/authority.js';
import type { FederationConfig, PeerConfig } from '../config/caConfig.js';
import { parseDuration } from '../config/duration.js';
import { readPeerRoots } from '../home/peerRoots.js';
import { toPem } from '../pki/pem.js';
import { fetchRoot } from '../sdk/bootstrap.js';
import { CaClient } from '../sdk/caClient.js';
import type { PeerRootsRecord, Store } from '../store/store.js';
import { PeerAnswers } from './peerAnswers.js';

/** What one sync of one peer came to. */
export interface PeerSyncOutcome {
  readonly url: string;
  /** The peer's roots held now: the fetched ones, or the last good ones after a failure. */
  readonly roots: readonly Buffer[];
  /** True when this sync changed the roots held for the peer. */
  readonly changed: boolean;
  /** Why fetching failed or the answer was refused (the last good roots, if any, are kept). */
  readonly error?: string;
  /** True when the peer's state changed: it started failing, fails differently, or recovered (worth one log line). */
  readonly stateChanged: boolean;
  /** True when another process or replica synced (or syncs) the peer: this one fetched nothing. */
  readonly syncedElsewhere?: boolean;
}

/** How `FederationPeers` runs. */
export interface FederationPeersOptions {
  /** Where peer roots, sync state and the sync lease live, shared by every process and replica. */
  readonly store: Store;
  readonly federation: FederationConfig;
  /** Called with the outcome of each peer's sync. */
  readonly onSync: (outcome: PeerSyncOutcome) => void;
  /** The CA home: roots that older versions kept in `pki/federated/peers/` are taken into the store once. */
  readonly home?: string;
}

const HOUR_MS = 3_600_000;
/** The store is read for roots synced by other processes this often at most. */
const POLL_MAX_MS = 5_000;
/** A sync lease outlives the fetch deadline by this much, for the store writes around it. */
const LEASE_MARGIN_MS = 5_000;

const sameRoots = (a: readonly Buffer[], b: readonly Buffer[]): boolean => a.length === b.length && a.every((der, i) => der.equals(b[i]));

/**
 * Keeps the roots of peer CAs (config `federation.peers`) in the authority's
 * federation. The first fetch of a peer is pinned: its root must have the
 * configured fingerprint and the TLS chain the peer presents must lead to it
 * (`fetchRoot`). Later fetches of `/roots` trust only the roots already
 * held for that peer. Every answer must still list the pinned root, hold at most
 * `maxRoots` roots, each valid now (`PeerAnswers`); otherwise it is refused and the last good
 * roots are kept (rotation is an overlap: the new root appears beside the pinned
 * one, then the operator re-pins).
 *
 * Roots and sync state live in the store, so every process and replica serves
 * the same roots; a lease per peer in the store lets one of them fetch while the
 * others read the result. Each peer syncs on its own (a stuck peer delays no
 * other), each fetch ends by `federation.timeout`, and a failing peer is retried
 * later and later (from `refresh`, doubling, up to an hour or `refresh` when longer).
 */
export class FederationPeers {
  private federation: FederationConfig;
  private readonly store: Store;
  /** Names this process in sync leases. */
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** The records whose roots are published, by peer URL. */
  private readonly held = new Map<string, PeerRootsRecord>();
  private published: readonly Buffer[] = [];
  /** This process's syncs under way, by peer URL. */
  private readonly inFlight = new Map<string, Promise<PeerSyncOutcome>>();
  private readonly answers = new PeerAnswers();
  private readonly clients = new Set<CaClient>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private imported = false;
  private storeError = '';

  constructor(
    private readonly authority: Authority,
    private readonly options: FederationPeersOptions,
  ) {
    this.federation = options.federation;
    this.store = options.store;
  }

  /** Publishes the roots in the store, then syncs each peer when due, checking every `min(refresh, 5 s)`. */
  start(): void {
    this.stopped = false;
    this.schedule();
    void this.tick();
  }

  private refreshMs(): number {
    return parseDuration(this.federation.refresh) ?? HOUR_MS;
  }

  private timeoutMs(): number {
    return parseDuration(this.federation.timeout) ?? 10_000;
  }

  private schedule(): void {
    clearInterval(this.timer);
    if (this.federation.peers.length === 0) return;
    this.timer = setInterval(() => void this.tick(), Math.min(this.refreshMs(), POLL_MAX_MS));
    this.timer.unref();
  }

  /** Takes a new `federation` config (SIGHUP): drops removed peers and re-pinned ones' roots at once, syncs the new. */
  reconfigure(federation: FederationConfig): void {
    this.federation = federation;
    for (const url of [...this.held.keys()]) if (!this.current(this.held.get(url))) this.held.delete(url);
    this.publish();
    this.schedule();
    void this.store.forgetPeerRoots(federation.peers.map((p) => p.url)).catch((err: Error) => this.storeFailed(err));
    void this.tick();
  }

  /** The configured peer a record belongs to, when it is still configured with the same pin. */
  private current(record: PeerRootsRecord | undefined): PeerConfig | undefined {
    return this.federation.peers.find((p) => p.url === record?.url && p.fingerprint === record.fingerprint);
  }

  /**
   * Syncs every peer now, whether due or not (joining this process's sync of a
   * peer already under way, which its deadline bounds); resolves each peer's outcome.
   */
  sync(): Promise<PeerSyncOutcome[]> {
    if (this.stopped) return Promise.resolve([]);
    return Promise.all(this.federation.peers.map((peer) => this.inFlight.get(peer.url) ?? this.launch(peer, true)));
  }

  /** Reads what other processes synced, then starts the sync of each peer that is due and not under way here. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    let records: PeerRootsRecord[];
    try {
      await this.importLegacyFiles();
      records = await this.store.peerRoots();
    } catch (err) {
      this.storeFailed(err as Error);
      return;
    }
    this.adopt(records);
    const now = Date.now();
    for (const peer of this.federation.peers) {
      if (this.inFlight.has(peer.url)) continue;
      const record = records.find((r) => r.url === peer.url && r.fingerprint === peer.fingerprint);
      if (!record || record.nextSyncAt.getTime() <= now) void this.launch(peer, false);
    }
  }

  /** Roots older versions kept in files are moved into the store once (when the store has none for the peer). */
  private async importLegacyFiles(): Promise<void> {
    if (this.imported || !this.options.home) return;
    const records = await this.store.peerRoots();
    for (const peer of this.federation.peers) {
      if (records.some((r) => r.url === peer.url && r.fingerprint === peer.fingerprint)) continue;
      let legacy;
      try {
        legacy = readPeerRoots(this.options.home, peer);
      } catch {
        continue;
      }
      if (legacy) await this.store.savePeerRoots({ ...legacy, failures: 0, error: '', nextSyncAt: new Date(0) });
    }
    this.imported = true;
  }

  private storeFailed(err: Error): void {
    // After stop() the store is closed under syncs still unwinding: nothing to report.
    if (this.stopped || err.message === this.storeError) return;
    this.storeError = err.message;
    console.error(JSON.stringify({ level: 'error', msg: 'federation peers: the store cannot be read; keeping the roots held', pid: process.pid, error: err.message }));
  }

  /** Takes the records of configured peers (with their current pin) as the roots to publish. */
  private adopt(records: readonly PeerRootsRecord[]): void {
    this.storeError = '';
    for (const record of records) if (this.current(record) && record.roots.length > 0) this.held.set(record.url, record);
    this.publish();
  }

  /** Hands the authority the peers' roots, only when they changed (the bundle is re-hashed then). */
  private publish(): void {
    const roots = this.federation.peers.flatMap((p) => this.held.get(p.url)?.roots ?? []);
    if (sameRoots(roots, this.published)) return;
    this.published = roots;
    this.authority.setPeerRoots(roots);
  }

  private launch(peer: PeerConfig, force: boolean): Promise<PeerSyncOutcome> {
    const running = this.syncPeer(peer, force).finally(() => this.inFlight.delete(peer.url));
    this.inFlight.set(peer.url, running);
    return running;
  }

  private async syncPeer(peer: PeerConfig, force: boolean): Promise<PeerSyncOutcome> {
    const lease = `federation-peer:${peer.url}`;
    const elsewhere = (): PeerSyncOutcome => ({ url: peer.url, roots: this.held.get(peer.url)?.roots ?? [], changed: false, stateChanged: false, syncedElsewhere: true });
    const start = new Date();
    try {
      if (!(await this.store.claimLease(lease, this.holder, start, new Date(start.getTime() + this.timeoutMs() + LEASE_MARGIN_MS)))) return elsewhere();
    } catch (err) {
      this.storeFailed(err as Error);
      return { ...elsewhere(), syncedElsewhere: false, error: `the store cannot be reached: ${(err as Error).message}` };
    }
    try {
      const records = await this.store.peerRoots();
      this.adopt(records);
      const before = records.find((r) => r.url === peer.url && r.fingerprint === peer.fingerprint);
      // Another process synced it between this one's look at the store and its claim.
      if (!force && before && before.nextSyncAt > start) return elsewhere();
      const good = before?.roots.length ? before.roots : undefined;
      let record: PeerRootsRecord;
      try {
        const roots = await this.fetchRoots(peer, good);
        record = { url: peer.url, fingerprint: peer.fingerprint, roots, fetchedAt: new Date(), failures: 0, error: '', nextSyncAt: new Date(Date.now() + this.refreshMs()) };
      } catch (err) {
        const failures = (before?.failures ?? 0) + 1;
        record = {
          url: peer.url,
          fingerprint: peer.fingerprint,
          roots: good ?? [],
          fetchedAt: before?.fetchedAt ?? new Date(0),
          failures,
          error: (err as Error).message,
          nextSyncAt: new Date(Date.now() + this.backoffMs(failures)),
        };
      }
      if (this.stopped || !this.current(record)) {
        return { url: peer.url, roots: good ?? [], changed: false, stateChanged: false, error: 'the peer was removed from the configuration meanwhile' };
      }
      await this.store.savePeerRoots(record);
      const changed = !sameRoots(good ?? [], record.roots);
      if (record.roots.length > 0) this.held.set(peer.url, record);
      this.publish();
      const outcome: PeerSyncOutcome = {
        url: peer.url,
        roots: record.roots,
        changed,
        error: record.error || undefined,
        stateChanged: (before?.error ?? '') !== record.error,
      };
      this.options.onSync(outcome);
      return outcome;
    } catch (err) {
      this.storeFailed(err as Error);
      return { ...elsewhere(), syncedElsewhere: false, error: `the store cannot be reached: ${(err as Error).message}` };
    } finally {
      await this.store.releaseLease(lease, this.holder).catch((err: Error) => this.storeFailed(err));
    }
  }

  /** After `failures` failed syncs in a row: `refresh` doubling, at most an hour (or `refresh`, when longer). */
  private backoffMs(failures: number): number {
    const refresh = this.refreshMs();
    return Math.min(refresh * 2 ** Math.min(failures - 1, 20), Math.max(refresh, HOUR_MS));
  }

  /**
   * The peer's `/roots`, checked: pinned by fingerprint the first time, else over
   * TLS trusting `good`. The whole fetch (both requests of a first contact) ends
   * by `federation.timeout`, however slowly the peer answers.
   */
  private async fetchRoots(peer: PeerConfig, good: readonly Buffer[] | undefined): Promise<Buffer[]> {
    const timeoutMs = this.timeoutMs();
    const limits = { timeoutMs, deadlineMs: timeoutMs, maxBytes: this.federation.maxBytes };
    let client: CaClient | undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the peer did not answer within federation.timeout (${this.federation.timeout})`)), timeoutMs);
    });
    const fetch = async (): Promise<Buffer[]> => {
      const rootPem = good ? good.map((der) => toPem(der)).join('') : await fetchRoot(peer.url, peer.fingerprint, limits);
      if (this.stopped) throw new Error('stopped');
      client = new CaClient({ caUrl: peer.url, rootPem, ...limits });
      this.clients.add(client);
      return this.answers.check(await client.roots(), peer.fingerprint, peer.maxRoots ?? this.federation.maxRoots);
    };
    try {
      return await Promise.race([fetch(), late]);
    } finally {
      clearTimeout(timer);
      if (client) {
        this.clients.delete(client);
        client.close();
      }
    }
  }

  /** Stops syncing; fetches in flight are cut and their results dropped. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const client of this.clients) client.close();
  }
}
