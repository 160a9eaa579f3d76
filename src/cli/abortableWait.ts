import { setTimeout as sleep } from 'node:timers/promises';

/** Waits of the CLI's daemons (renew --daemon, crl --watch) that a stop signal ends early. */

/** setTimeout's longest delay (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits until `when`; false when `signal` aborted the wait. */
export async function sleepUntil(when: Date, signal: AbortSignal): Promise<boolean> {
  for (let ms = when.getTime() - Date.now(); ms > 0; ms = when.getTime() - Date.now()) {
    try {
      await sleep(Math.min(ms, MAX_TIMER_MS), undefined, { signal });
    } catch {
      return false;
    }
  }
  return !signal.aborted;
}

/** `work`'s result, or undefined as soon as `signal` aborts (the work is then abandoned). */
export function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  const aborted = new Promise<undefined>((resolve) => signal.addEventListener('abort', () => resolve(undefined), { once: true }));
  return Promise.race([work, aborted]);
}
