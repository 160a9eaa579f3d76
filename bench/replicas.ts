/**
 * `npm run bench:replicas`: POST /1.0/sign at concurrency 16 from wrk, against
 * (1) one `fedca start` process (one worker) on SQLite, and (2) two such processes
 * on one PostgreSQL database behind haproxy in TCP mode: signs/s, p50/p99, and CPU
 * per sign of fedca and of PostgreSQL. Runs alternate, BENCH_ROUNDS times (default 3),
 * and the medians are printed. Needs wrk, haproxy and the machine's PostgreSQL
 * (BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test), where it
 * creates a database of its own and drops it afterwards. Not a test: the numbers go in the README.
 */
import { startHaproxy, type Haproxy } from '../test/helpers/haproxy.js';
import { closedPort } from '../test/helpers/ports.js';
import { createCsr } from './csr.js';
import { withBenchDatabase } from './lib/benchDatabase.js';
import { makeBenchHome, type BenchHome } from './lib/benchHome.js';
import { startFedca, stopServer, type RunningServer } from './lib/fedca.js';
import { cpuSeconds, cpuSecondsBetween, cpuSecondsByPid, median } from './lib/process.js';
import { loadProvisioner, mintTokens, type BenchProvisioner } from './lib/tokens.js';
import { wrkSign } from './lib/wrk.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SUBJECT = 'bench.internal';

interface Row {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
  /** fedca's CPU per sign (all its processes), µs. */
  readonly fedcaUs: number;
  /** CPU per sign of the PostgreSQL backends serving the bench's database, µs; 0 on SQLite. */
  readonly postgresUs: number;
}

/** One wrk run at `port`, with CPU measured over `pids` (and that of the PostgreSQL backends of `database`). */
function measure(dir: string, port: number, pids: readonly number[], p: BenchProvisioner, csrs: string[], database: string): Row {
  const tokens = mintTokens(p, `https://localhost:${port}/1.0/sign`, SUBJECT, SECONDS * 8000);
  const fedcaBefore = pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  const postgresBefore = cpuSecondsByPid(database);
  const run = wrkSign(dir, `https://127.0.0.1:${port}/1.0/sign`, csrs, tokens, CONCURRENCY, SECONDS);
  const fedcaUs = ((pids.reduce((s, pid) => s + cpuSeconds(pid), 0) - fedcaBefore) * 1e6) / run.requests;
  const postgresUs = (cpuSecondsBetween(postgresBefore, cpuSecondsByPid(database)) * 1e6) / run.requests;
  return { ...run, fedcaUs, postgresUs };
}

async function main(): Promise<void> {
  await withBenchDatabase(POSTGRES_URL, async (db) => {
    const homes: BenchHome[] = [];
    const servers: RunningServer[] = [];
    let balancer: Haproxy | undefined;
    try {
      const sqliteHome = await makeBenchHome('replicas-sqlite');
      homes.push(sqliteHome);
      const postgresHome = await makeBenchHome('replicas-postgres', db.url);
      homes.push(postgresHome);
      const one = await startFedca(sqliteHome.home, sqliteHome.passwordFile, { FEDCA_WORKERS: '1' });
      servers.push(one);
      const ports = [await closedPort(), await closedPort()];
      const replicas = await Promise.all(ports.map((port) => startFedca(postgresHome.home, postgresHome.passwordFile, { FEDCA_WORKERS: '1' }, ['--address', `127.0.0.1:${port}`])));
      servers.push(...replicas);
      balancer = await startHaproxy(ports);
      const csrs = Array.from({ length: 8 }, () => createCsr(SUBJECT));
      const pSqlite = await loadProvisioner(sqliteHome.home, sqliteHome.password);
      const pPostgres = await loadProvisioner(postgresHome.home, postgresHome.password);
      const sqliteRows: Row[] = [];
      const replicaRows: Row[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        sqliteRows.push(measure(sqliteHome.dir, one.port, [one.child.pid as number], pSqlite, csrs, db.name));
        replicaRows.push(measure(postgresHome.dir, balancer.port, replicas.map((r) => r.child.pid as number), pPostgres, csrs, db.name));
      }
      const med = (rows: Row[], key: keyof Row): number => median(rows.map((r) => r[key]));
      const line = (name: string, rows: Row[]): string =>
        `| ${name} | ${med(rows, 'perSecond').toFixed(0)} | ${med(rows, 'p50').toFixed(2)} | ${med(rows, 'p99').toFixed(2)} | ${med(rows, 'fedcaUs').toFixed(0)} | ${med(rows, 'postgresUs').toFixed(0)} | ${rows.reduce((s, r) => s + r.failures, 0)} |`;
      console.log(`\nfedca replicas benchmark — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, wrk (1 thread) at c${CONCURRENCY}, ${SECONDS} s a run, medians of ${ROUNDS} alternating runs, everything on this one machine`);
      console.log('| setup | signs/s | p50 ms | p99 ms | fedca CPU µs/sign | PostgreSQL CPU µs/sign | failures |');
      console.log('|---|---:|---:|---:|---:|---:|---:|');
      console.log(line('1 process (1 worker), SQLite', sqliteRows));
      console.log(line('2 replicas (1 worker each), PostgreSQL, haproxy', replicaRows));
    } finally {
      await balancer?.stop();
      await Promise.all(servers.map((s) => stopServer(s)));
      for (const home of homes) home.remove();
    }
  });
}

await main();
