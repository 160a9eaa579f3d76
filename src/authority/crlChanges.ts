import type { Store } from '../store/store.js';

/** How often the store is asked for its revocation count while watchers wait (other workers and replicas revoke too). */
const CRL_CHANGES_POLL_MS = 250;

interface Waiter {
  readonly since: bigint;
  readonly resolve: (revision: bigint) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Tells CRL watchers (GET /crl/changes, a long poll) when the revocations behind
 * the CRL change: at once for a revocation made through this process, within
 * CRL_CHANGES_POLL_MS for one made by another worker or replica (the store is
 * read once per poll for every watcher, and only while some wait). The revision
 * is the store's revocation count.
 */
export class CrlChanges {
  private readonly waiters = new Set<Waiter>();
  private poller?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly pollMs = CRL_CHANGES_POLL_MS,
  ) {}

  /** How many watchers are waiting now. */
  get watching(): number {
    return this.waiters.size;
  }

  /** The current revision. */
  async revision(): Promise<bigint> {
    return (await this.store.crlStamp()).revocationSeq;
  }

  /**
   * Resolves the revision once it differs from `since`, or the current one after
   * `waitMs` (or at once when closed). `cancelled` ends the wait early (the
   * client went away).
   */
  async next(since: bigint, waitMs: number, cancelled: (stop: () => void) => void): Promise<bigint> {
    const now = await this.revision();
    if (now !== since || this.closed) return now;
    return new Promise<bigint>((resolve) => {
      const waiter: Waiter = {
        since,
        resolve: (revision) => {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          if (this.waiters.size === 0) this.stopPolling();
          resolve(revision);
        },
        timer: setTimeout(() => waiter.resolve(since), waitMs),
      };
      this.waiters.add(waiter);
      cancelled(() => waiter.resolve(since));
      this.startPolling();
    });
  }

  /** Wakes the watchers now (a revocation was just recorded through this process). */
  notify(): void {
    if (this.waiters.size) void this.check();
  }

  /** Answers every watcher with the current revision and takes no more waits (the server is stopping). */
  close(): void {
    this.closed = true;
    this.stopPolling();
    for (const w of [...this.waiters]) w.resolve(w.since);
  }

  private startPolling(): void {
    if (this.poller) return;
    this.poller = setInterval(() => void this.check(), this.pollMs);
    this.poller.unref();
  }

  private stopPolling(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private async check(): Promise<void> {
    let revision: bigint;
    try {
      revision = await this.revision();
    } catch {
      return; // The store is briefly unavailable: the next poll asks again.
    }
    for (const w of [...this.waiters]) if (w.since !== revision) w.resolve(revision);
  }
}
