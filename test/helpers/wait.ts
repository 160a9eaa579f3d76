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
