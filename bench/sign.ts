/**
 * `npm run bench`: signs per second and latency of POST /1.0/sign against a CA
 * started locally as its own process, over keep-alive HTTPS, at concurrency 1, 16
 * and 64; and the server's peak RSS. Not a test: the numbers go in the README.
 *
 * The load comes from `wrk` (Debian package wrk: C, one thread, a Lua script giving
 * each request its own token) when it is installed, else from a Node client in this
 * process, which costs the machine about as much CPU per request as the server does.
 *
 * Options (env): BENCH_CLIENT (wrk|node), BENCH_SECONDS (per level with wrk, default 5),
 * BENCH_REQUESTS (per level with node, default 3000), BENCH_LEVELS ("1,16,64"),
 * FEDCA_WORKERS (passed to the server; default one per CPU), BENCH_RATE_LIMIT=1 (rate limits on,
 * per address and per provisioner, too generous to refuse anything: what counting costs).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { createCsr } from './csr.js';
import { makeBenchHome } from './lib/benchHome.js';
import { startFedca, stopServer, type RunningServer } from './lib/fedca.js';
import { cpuSeconds, percentile, rssMiB } from './lib/process.js';
import { loadProvisioner, mintTokens } from './lib/tokens.js';
import { hasWrk, wrkSign } from './lib/wrk.js';
import { defaultWorkerCount } from '../src/server/workers.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CLIENT = process.env.BENCH_CLIENT ?? (hasWrk() ? 'wrk' : 'node');
const LEVELS = (process.env.BENCH_LEVELS ?? '1,16,64').split(',').map(Number);
const SUBJECT = 'bench.internal';

function post(agent: Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/1.0/sign', method: 'POST', agent, servername: 'localhost', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const WORKERS = process.env.FEDCA_WORKERS ?? String(defaultWorkerCount());

interface LevelResult {
  concurrency: number;
  /** Server CPU time per request (µs): stable where wall-clock throughput is noisy. */
  cpuUsPerSign?: number;
  requests: number;
  failures: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function level(port: number, rootPem: string, csrPem: string, tokens: string[], concurrency: number): Promise<LevelResult> {
  const agent = new Agent({ ca: rootPem, keepAlive: true, maxSockets: concurrency });
  const warm = tokens.splice(0, Math.min(200, concurrency * 10));
  await Promise.all(warm.map((ott) => post(agent, port, JSON.stringify({ csr: csrPem, ott }))));
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const ott = tokens[next++];
        const t0 = process.hrtime.bigint();
        const status = await post(agent, port, JSON.stringify({ csr: csrPem, ott }));
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status !== 201) failures++;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { concurrency, requests: latencies.length, failures, perSecond: latencies.length / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) } satisfies LevelResult;
}

async function main(): Promise<void> {
  const bench = await makeBenchHome('sign');
  const { dir, home, password, passwordFile } = bench;
  let server: RunningServer | undefined;
  try {
    if (process.env.BENCH_RATE_LIMIT === '1') {
      const bucket = { requests: 1_000_000, per: '1s' };
      bench.setConfig({ rateLimit: { perAddress: bucket, perProvisioner: bucket } });
    }
    server = await startFedca(home, passwordFile);
    const rootPem = readFileSync(join(home, 'pki/root_ca.crt'), 'utf8');
    const p = await loadProvisioner(home, password);
    const csrPem = createCsr(SUBJECT);
    const rows: LevelResult[] = [];
    const aud = `https://localhost:${server.port}/1.0/sign`;
    const pid = server.child.pid as number;
    for (const c of LEVELS) {
      const tokens = mintTokens(p, aud, SUBJECT, CLIENT === 'wrk' ? SECONDS * 8000 : REQUESTS + Math.min(200, c * 10));
      const cpuBefore = cpuSeconds(pid);
      const row: LevelResult = CLIENT === 'wrk' ? { concurrency: c, ...wrkSign(dir, `https://127.0.0.1:${server.port}/1.0/sign`, [csrPem], tokens, c, SECONDS) } : await level(server.port, rootPem, csrPem, tokens, c);
      row.cpuUsPerSign = ((cpuSeconds(pid) - cpuBefore) * 1e6) / row.requests;
      rows.push(row);
    }
    const rss = rssMiB(pid, 'VmHWM');
    const load = CLIENT === 'wrk' ? `wrk (1 thread), ${SECONDS} s per level` : `node client, ${REQUESTS} signs per level`;
    console.log(`\nfedca sign benchmark — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${WORKERS} server worker(s), load from ${load}, EC P-256 CSR, keep-alive HTTPS on 127.0.0.1`);
    console.log('| concurrency | signs/s | p50 ms | p99 ms | server CPU µs/sign | failures |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.concurrency} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.cpuUsPerSign ?? 0).toFixed(0)} | ${r.failures} |`);
    console.log(`server peak RSS (all processes, summed): ${rss.toFixed(1)} MiB`);
  } finally {
    await stopServer(server);
    bench.remove();
  }
}

await main();
