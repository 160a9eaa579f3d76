/** Give up on a write that found the database locked for this long. */
const DEADLINE_MS = 5_000;
/** Yield this many times through setImmediate before falling back to 1 ms timers. */
const IMMEDIATE_TRIES = 200;

const isBusy = (err: unknown): boolean => String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY');

/**
 * Runs a synchronous SQLite write, retrying while another process holds the write
 * lock. SQLite's own busy handler would sleep in this thread (1, 2, 5 ms ...) for
 * a lock held some tens of µs, stalling every request of the worker; yielding to
 * the event loop instead lets the worker serve others meanwhile (measured: two
 * workers went from ~70% to full use of their cores).
 */
export async function retryWhileBusy<T>(write: () => T): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return write();
    } catch (err) {
      if (!isBusy(err) || Date.now() - started > DEADLINE_MS) throw err;
      await new Promise<void>((resolve) => (attempt < IMMEDIATE_TRIES ? setImmediate(resolve) : setTimeout(resolve, 1)));
    }
  }
}
