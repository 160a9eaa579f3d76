/**
 * Runs in a worker thread (see checkpointer.ts): its own connection to the store
 * copies the WAL back into the database now and then, and starts the WAL over once
 * it has grown, so that request handling never pays for a checkpoint.
 *
 * A PASSIVE checkpoint never waits for writers, but under steady writes it never
 * catches up either (commits land while it copies), and SQLite starts a WAL over
 * only once every frame is back in the database. The WAL then grew to the
 * connections' autocheckpoint threshold and every commit past it checkpointed inline,
 * fsync of the database included: tens of ms with the worker's event loop stopped,
 * the more the larger the database, since random serials scatter the pages copied
 * (measured with 1,000,000 certificates: 5–24 ms on average, up to 95 ms, against
 * 1–2 ms in a small store). So once the WAL passes `restartFrames`, this thread
 * flushes what PASSIVE copied with an fsync of its own, outside every SQLite lock,
 * and then runs a RESTART checkpoint: that one holds the write lock (writers retry
 * meanwhile, off their event loops: retryBusy.ts) only to copy and sync the few
 * frames committed since.
 */
import Database from 'better-sqlite3';
import { fsyncSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/** `databaseFd`: the database file, opened and closed by the Checkpointer (descriptors are the process's). */
const { file, databaseFd, everyMs, restartFrames } = workerData as { file: string; databaseFd: number; everyMs: number; restartFrames: number };
const db = new Database(file);
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 0');

interface CheckpointResult {
  readonly busy: number;
  /** Frames in the WAL. */
  readonly log: number;
  /** Frames of it copied back into the database. */
  readonly checkpointed: number;
}

const checkpoint = (mode: 'PASSIVE' | 'RESTART'): CheckpointResult => (db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[])[0];

function tick(): void {
  try {
    // PASSIVE never waits for writers or readers; a busy database is simply tried next time.
    const passive = checkpoint('PASSIVE');
    if (passive.log < restartFrames) return;
    // Durable before RESTART needs them to be, and without holding the write lock.
    fsyncSync(databaseFd);
    // The RESTART waits a little for the write lock, and for readers to leave the WAL while
    // it holds that lock (in this thread, not a request's); past that, next time.
    db.pragma('busy_timeout = 20');
    try {
      checkpoint('RESTART');
    } finally {
      db.pragma('busy_timeout = 0');
    }
  } catch {
    // SQLITE_BUSY (another process is checkpointing): next time.
  }
}

const timer = setInterval(tick, everyMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
