import { closeSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** When and how a Checkpointer works; the defaults are the server's. */
export interface CheckpointerOptions {
  /** How often the WAL is copied back (default 200 ms: often enough that it stays small at thousands of writes a second). */
  readonly everyMs?: number;
  /**
   * Past this many frames the WAL is started over (checkpointWorker.ts). Default 16,384
   * (64 MiB of 4 KiB pages): well below the connections' own autocheckpoint threshold
   * (sqlite.ts), so that no request pays for a checkpoint, and seldom, since each start
   * holds the write lock a moment (measured with 1,000,000 certificates, 2 writers at
   * 1,000/s: issuance p99.9 7–12 ms against 15–20 ms when starting over past 4,096).
   */
  readonly restartFrames?: number;
}

/**
 * Checkpoints a SQLite store's WAL from a worker thread, and starts it over once it
 * has grown. With SQLite's automatic checkpoints, the request that crossed the
 * threshold paid for copying thousands of pages (measured: p99 of 17 ms at one request
 * at a time, against 0.5 ms p50).
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  /** A descriptor of the database file for the thread's own fsync (checkpointWorker.ts). */
  private readonly databaseFd: number;
  private stopping?: Promise<void>;

  /** The store that owns it must close its own connection before calling stop() (see there). */
  constructor(file: string, { everyMs = 200, restartFrames = 16_384 }: CheckpointerOptions = {}) {
    this.databaseFd = openSync(file, 'r');
    this.worker = new Worker(new URL('./checkpointWorker.js', import.meta.url), { workerData: { file, databaseFd: this.databaseFd, everyMs, restartFrames } });
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.unref();
    this.worker.on('error', (err) => console.error(JSON.stringify({ level: 'error', msg: 'WAL checkpointer failed; SQLite will checkpoint inline', error: err.message })));
  }

  /** Stops the thread (after its current checkpoint); later calls wait for the same stop. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Unref'd while it runs so it never holds a process open; held while we wait for it.
      this.worker.ref();
      this.worker.postMessage('stop');
      const deadline = setTimeout(() => void this.worker.terminate(), 2_000);
      await this.exited;
      clearTimeout(deadline);
      // Closing any descriptor of a file drops every POSIX lock this process holds on it,
      // SQLite's included: so only now, with the thread's connection closed (and the
      // store's own, which closes first).
      closeSync(this.databaseFd);
    })();
    return this.stopping;
  }
}
