import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value (not undefined): for effects that land
 * just after a response (an access-log line written on 'finish'). Gives up after
 * many tries with an error; it never asserts how long anything took.
 */
export async function eventually<T>(probe: () => T | undefined, what = 'the expected state'): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(10);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * Polls `check` (which may be async) every 50 ms until it holds: for what comes
 * in its own time (a renewal, a peer sync). Gives up after `tries` polls with an
 * error; it never asserts how long anything took.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}
