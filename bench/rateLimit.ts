/**
 * `node dist/bench/rateLimit.js`: what a rate-limit check costs when the buckets
 * are the primary's (fedca start with workers): a worker asks N times over the IPC
 * channel, 16 at a time; prints CPU µs per check in the worker and in the primary,
 * beside the cost of the same check in process memory. Not a test.
 */
import cluster from 'node:cluster';
import { LocalRateLimiter, PrimaryRateLimiter, serveRateLimits } from '../src/server/rateLimiter.js';

const CHECKS = Number(process.env.BENCH_CHECKS ?? 20_000);
const CONFIG = { perAddress: { requests: 1_000_000, per: '1s', burst: 1_000_000 } };

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function drive(take: (key: string) => Promise<number>): Promise<number> {
  const before = cpuUs();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < CHECKS) await take(`10.0.0.${next++ % 200}`);
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  return (cpuUs() - before) / CHECKS;
}

if (cluster.isPrimary) {
  const local = new LocalRateLimiter(CONFIG);
  const inMemory = await drive((key) => local.take('address', key));
  serveRateLimits(CONFIG);
  const worker = cluster.fork();
  const before = cpuUs();
  worker.on('message', (m: { type?: string; workerUs?: number }) => {
    if (m.type !== 'bench-done') return;
    const primaryUs = (cpuUs() - before) / CHECKS;
    console.log(`rate-limit check, ${CHECKS} checks, 16 in flight — node ${process.version}`);
    console.log(`in process memory:            ${inMemory.toFixed(1)} µs CPU a check`);
    console.log(`over IPC, in the worker:      ${(m.workerUs ?? 0).toFixed(1)} µs CPU a check`);
    console.log(`over IPC, in the primary:     ${primaryUs.toFixed(1)} µs CPU a check`);
    worker.kill();
  });
} else {
  const limiter = new PrimaryRateLimiter();
  const workerUs = await drive((key) => limiter.take('address', key));
  process.send?.({ type: 'bench-done', workerUs });
}
