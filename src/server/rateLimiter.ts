import cluster from 'node:cluster';
import type { RateLimitConfig } from '../config/caConfig.js';
import { TokenBuckets } from './tokenBuckets.js';

/** What a rate limit counts: requests by client address, or signs and revocations by provisioner. */
export type LimitKind = 'address' | 'provisioner';

/** Decides whether one more request may go ahead. */
export interface RateLimiter {
  /** Takes a token for `key` of `kind`: resolves 0 when the request may go ahead, else the milliseconds to wait. */
  take(kind: LimitKind, key: string): Promise<number>;
}

/** The limits of `rateLimit` in this process's memory (a single-process CA, or the primary of workers). */
export class LocalRateLimiter implements RateLimiter {
  private readonly buckets: Partial<Record<LimitKind, TokenBuckets>>;

  constructor(config: RateLimitConfig) {
    this.buckets = {
      address: config.perAddress && new TokenBuckets(config.perAddress),
      provisioner: config.perProvisioner && new TokenBuckets(config.perProvisioner),
    };
  }

  /** The answer without a promise, for the primary answering its workers. */
  takeNow(kind: LimitKind, key: string): number {
    return this.buckets[kind]?.take(key) ?? 0;
  }

  take(kind: LimitKind, key: string): Promise<number> {
    return Promise.resolve(this.takeNow(kind, key));
  }
}

interface TakeMessage {
  readonly type: 'fedca:rate-take';
  readonly id: number;
  readonly kind: LimitKind;
  readonly key: string;
}

interface WaitMessage {
  readonly type: 'fedca:rate-wait';
  readonly id: number;
  readonly waitMs: number;
}

const isMessage = <T extends { type: string }>(m: unknown, type: T['type']): m is T => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/**
 * Primary side: holds the buckets of every worker of one `fedca start`, so a limit
 * counts requests whichever worker the kernel hands them to.
 */
export function serveRateLimits(config: RateLimitConfig): void {
  const limiter = new LocalRateLimiter(config);
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<TakeMessage>(message, 'fedca:rate-take')) return;
    const answer: WaitMessage = { type: 'fedca:rate-wait', id: message.id, waitMs: limiter.takeNow(message.kind, message.key) };
    if (worker.isConnected()) worker.send(answer);
  });
}

/**
 * Worker side: asks the primary's buckets over the IPC channel. If the channel is
 * gone the request goes ahead (the worker is about to stop: its primary is gone).
 */
export class PrimaryRateLimiter implements RateLimiter {
  private nextId = 0;
  private readonly pending = new Map<number, (waitMs: number) => void>();

  constructor() {
    process.on('message', (message: unknown) => {
      if (!isMessage<WaitMessage>(message, 'fedca:rate-wait')) return;
      this.pending.get(message.id)?.(message.waitMs);
      this.pending.delete(message.id);
    });
    process.once('disconnect', () => {
      for (const resolve of this.pending.values()) resolve(0);
      this.pending.clear();
    });
  }

  take(kind: LimitKind, key: string): Promise<number> {
    return new Promise((resolve) => {
      if (!process.send || !process.connected) return resolve(0);
      const id = ++this.nextId;
      this.pending.set(id, resolve);
      process.send({ type: 'fedca:rate-take', id, kind, key } satisfies TakeMessage, undefined, undefined, (err: Error | null) => {
        if (err && this.pending.delete(id)) resolve(0);
      });
    });
  }
}
