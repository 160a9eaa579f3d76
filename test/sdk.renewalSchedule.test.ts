import assert from 'node:assert/strict';
import { MAX_RETRY_MS, MIN_WAIT_MS, nextRenewal, RenewalSchedule, renewalDue, retryDelayMs, type Validity } from '../src/sdk/renewalSchedule.js';

const HOUR = 3_600_000;
const start = new Date('2025-01-01T00:00:00Z');
const lasting = (ms: number): Validity => ({ notBefore: start, notAfter: new Date(start.getTime() + ms) });
const after = (ms: number): number => start.getTime() + ms;

describe('renewal schedule', () => {
  it('a certificate is due at 2/3 of its lifetime', () => {
    assert.equal(renewalDue(lasting(24 * HOUR)).getTime(), after(16 * HOUR));
    assert.equal(renewalDue(lasting(90_000)).getTime(), after(60_000));
  });

  it('counts a backdated certificate\'s lifetime from when it was received', () => {
    // A 30 s certificate backdated by a minute: due at once if counted from notBefore.
    const received = new Date(after(60_000));
    const v: Validity = { ...lasting(90_000), receivedAt: received };
    assert.equal(renewalDue(v).getTime(), after(60_000 + 20_000));
    assert.equal(renewalDue({ ...lasting(90_000), receivedAt: new Date(after(-5_000)) }).getTime(), after(60_000), 'never before notBefore');
  });

  it('or --expires-in before its end, when that comes first', () => {
    assert.equal(renewalDue(lasting(24 * HOUR), 12 * HOUR).getTime(), after(12 * HOUR));
    assert.equal(renewalDue(lasting(24 * HOUR), 1 * HOUR).getTime(), after(16 * HOUR), '2/3 comes first');
  });

  it('the daemon spreads renewals by ± 1/40 of the lifetime, at most 10 minutes', () => {
    const short = lasting(400_000);
    assert.equal(nextRenewal(short, undefined, () => 0).getTime(), renewalDue(short).getTime() - 10_000);
    assert.equal(nextRenewal(short, undefined, () => 0.5).getTime(), renewalDue(short).getTime());
    assert.equal(nextRenewal(short, undefined, () => 0.75).getTime(), renewalDue(short).getTime() + 5_000);
    const day = lasting(24 * HOUR);
    assert.equal(nextRenewal(day, undefined, () => 0).getTime(), renewalDue(day).getTime() - 10 * 60_000);
  });

  it('retries back off 1 s, 2 s, 4 s … up to 5 minutes, or a tenth of a short lifetime, never under a second', () => {
    const day = lasting(24 * HOUR);
    assert.deepEqual([1, 2, 3, 4].map((n) => retryDelayMs(n, day)), [1000, 2000, 4000, 8000]);
    assert.equal(retryDelayMs(20, day), MAX_RETRY_MS);
    assert.equal(retryDelayMs(1000, day), MAX_RETRY_MS);
    assert.equal(retryDelayMs(10, lasting(96_000)), 9_600);
    assert.equal(retryDelayMs(10, lasting(5_000)), MIN_WAIT_MS);
    assert.equal(retryDelayMs(0, day), MIN_WAIT_MS);
  });

  it('one schedule: due with jitter, at least a second after a renewal, backing off after failures and starting over after a success', () => {
    const day = lasting(24 * HOUR);
    const schedule = new RenewalSchedule(day, { random: () => 0.5 });
    assert.equal(schedule.due.getTime(), renewalDue(day).getTime());
    const now = new Date(after(17 * HOUR));
    assert.deepEqual([1, 2, 3].map(() => schedule.failed(now).getTime() - now.getTime()), [1000, 2000, 4000]);
    assert.equal(schedule.due.getTime(), now.getTime() + 4000, 'due is the retry');
    const next = lasting(24 * HOUR);
    assert.equal(schedule.renewed(next, now).getTime(), now.getTime() + MIN_WAIT_MS, 'a certificate already due waits a second');
    const fresh: Validity = { notBefore: now, notAfter: new Date(now.getTime() + 24 * HOUR) };
    assert.equal(schedule.renewed(fresh, now).getTime(), now.getTime() + 16 * HOUR);
    assert.equal(schedule.failed(now).getTime() - now.getTime(), 1000, 'a success resets the backoff');
  });

  it('--expires-in moves the due time of a schedule', () => {
    const schedule = new RenewalSchedule(lasting(24 * HOUR), { expiresInMs: 12 * HOUR, random: () => 0.5 });
    assert.equal(schedule.due.getTime(), after(12 * HOUR));
  });
});
