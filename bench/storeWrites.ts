/**
 * `node dist/bench/storeWrites.js`: the SQLite store's issuance write alone, without
 * HTTP or cryptography, as `fedca start` runs it: BENCH_WRITERS processes (default 2,
 * the default workers here), each with its own connection calling
 * Store.recordIssuance at BENCH_RATE issuances a second (default 1,000: together about
 * what the server signs at c16 here), and this process running the WAL checkpointer
 * thread as the primary does. For each store size (BENCH_STORE_SIZES, default 0 and
 * 1,000,000; a file each, filled as the store bench fills them), BENCH_ROUNDS rounds
 * (default 3) of BENCH_SECONDS (5) taking the sizes in turn, it prints the wall time of
 * one recordIssuance (lock waits included: p50/p99/p99.9/max) and the writers' CPU per
 * issuance; BENCH_RESTART_FRAMES=4096,16384 compares checkpointer settings in turn. Not a test: a tool to find where the store's time goes (run it under
 * `strace -f -T -e trace=fsync,pread64,pwrite64` to see which process syncs what).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checkpointer } from '../src/store/checkpointer.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { CERTIFICATE_DER_BYTES, fillCertificates, randomSerial } from './lib/bulkRows.js';
import { loadAverage } from './lib/machine.js';
import { percentile } from './lib/process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 2);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SIZES = (process.env.BENCH_STORE_SIZES ?? '0,1000000').split(',').map(Number);
/** BENCH_RESTART_FRAMES: the checkpointer's restartFrames to compare, run in turn (default: the server's). */
const RESTART_FRAMES = (process.env.BENCH_RESTART_FRAMES ?? '').split(',').filter(Boolean).map(Number);

/** What a writer process reports: the wall time of each issuance, and its CPU per issuance, µs. */
interface WriterResult {
  readonly micros: number[];
  readonly cpuMicros: number;
}

/** A writer process: recordIssuance at RATE a second for SECONDS, then its timings to the parent. */
async function writer(file: string): Promise<void> {
  const store = new SqliteStore(file, { walCheckpoints: false });
  const micros: number[] = [];
  const der = randomBytes(CERTIFICATE_DER_BYTES);
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  for (let i = 0; Date.now() - start < SECONDS * 1000; i++) {
    const wait = start + (i * 1000) / RATE - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const now = Date.now();
    const t0 = process.hrtime.bigint();
    await store.recordIssuance(
      { id: randomBytes(16).toString('hex'), expiresAt: new Date(now + 300_000) },
      { serial: randomSerial(), der, commonName: 'bench.internal', notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000), provisioner: 'admin' },
    );
    micros.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  await store.close();
  process.send?.({ micros, cpuMicros: (cpu.user + cpu.system) / micros.length } satisfies WriterResult);
}

async function fill(file: string, count: number): Promise<void> {
  const store = new SqliteStore(file, { walCheckpoints: false });
  await fillCertificates(store, count);
  await store.close();
}

/** One run on `file`: WRITERS writer processes, the checkpointer thread in this one. */
async function run(file: string, restartFrames?: number): Promise<string> {
  const checkpointer = new Checkpointer(file, { restartFrames });
  const script = new URL(import.meta.url).pathname;
  const results = await Promise.all(
    Array.from(
      { length: WRITERS },
      () =>
        new Promise<WriterResult>((resolve, reject) => {
          const child = fork(script, ['--writer', file]);
          child.once('message', (m) => resolve(m as WriterResult));
          child.once('exit', (code) => code !== 0 && reject(new Error(`writer exited ${code}`)));
        }),
    ),
  );
  await checkpointer.stop();
  const all = results.flatMap((r) => r.micros).sort((a, b) => a - b);
  const cpu = results.reduce((sum, r) => sum + r.cpuMicros, 0) / results.length;
  const ms = (q: number): string => (percentile(all, q) / 1000).toFixed(2);
  return `${all.length} issuances, ms: p50 ${ms(0.5)}, p99 ${ms(0.99)}, p99.9 ${ms(0.999)}, max ${ms(1)}; writers' CPU ${cpu.toFixed(0)} µs an issuance; load ${loadAverage()}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fedca-store-writes-'));
  try {
    const files = SIZES.map((size) => ({ size, file: join(dir, `store-${size}.sqlite`) }));
    for (const f of files) await fill(f.file, f.size);
    console.log(`store writes — ${new Date().toISOString()}, ${WRITERS} writer processes at ${RATE}/s each, ${SECONDS} s a run`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const f of files) {
        for (const frames of RESTART_FRAMES.length ? RESTART_FRAMES : [undefined]) {
          const restart = frames === undefined ? '' : ` (WAL started over past ${frames} frames)`;
          console.log(`round ${round}, ${f.size.toLocaleString('en')} certificates${restart}: ${await run(f.file, frames)}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--writer') await writer(process.argv[3]);
else await main();
