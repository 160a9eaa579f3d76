import type { BucketConfig } from '../config/caConfig.js';
import { parseDuration } from '../config/duration.js';

/** Keys remembered before full buckets are swept (a full bucket is the same as none). */
const SWEEP_AT = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets, one per key (a client address, a provisioner): each holds up to
 * `burst` tokens, refilled at `requests` per `per`; a request takes one. Memory
 * stays bounded: once many keys are known, the buckets that refilled are forgotten.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly requests: number;
  private readonly periodMs: number;
  private readonly burst: number;

  constructor(config: BucketConfig) {
    this.requests = config.requests;
    this.periodMs = parseDuration(config.per) ?? 60_000;
    this.burst = config.burst;
  }

  /** Tokens a bucket regains in `ms`. */
  private refill(ms: number): number {
    return (ms * this.requests) / this.periodMs;
  }

  /** Takes a token for `key` at `now`: 0 when there was one, else the milliseconds until there is. */
  take(key: string, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + this.refill(now - bucket.at));
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * this.periodMs) / this.requests);
  }

  /** Forgets refilled buckets; if that is not enough (many keys draining at once), the older half. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + this.refill(now - bucket.at) >= this.burst) this.buckets.delete(key);
    }
    if (this.buckets.size < SWEEP_AT / 2) return;
    let excess = this.buckets.size - SWEEP_AT / 2;
    for (const key of this.buckets.keys()) {
      if (excess-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}
