/**
 * `npm run bench:step-ca`: fedca and step-ca 0.19 side by side on this machine, with the same CA
 * (one root, one EC P-256 intermediate and its key, one JWK provisioner, the same claims), each with
 * its default store on disk, driven by the same load in alternating runs; prints each figure, the
 * medians and the ratios the performance goals name. Not a test.
 *
 * Cases: signs at c16 (wrk, each request its own token, CSRs from a pool of distinct keys): rate,
 * p50/p99, server CPU per sign; memory after that load; renewals at c8 over a fresh mTLS connection
 * each (a Node client, the same for both): rate and server CPU per renewal, and beside them the
 * node:https floor (bench/tlsFloor/server.ts: the same handshake and an answer of the same size,
 * no CA work), what Node and its OpenSSL cost per connection before fedca's code runs. The sign
 * case likewise measures the sign floor (bench/tlsFloor/signWork.ts: the token's and the CSR's
 * signatures verified and a certificate's worth signed, nothing else), in as many processes as fedca's workers.
 *
 * Options (env): BENCH_SECONDS (per run, default 5), BENCH_ROUNDS (alternating rounds, default 3),
 * BENCH_WARMUP (seconds of a first, discarded run per CA and case, default 20),
 * BENCH_CASES ("sign,renew"), STEP_CA (a step-ca binary; default: built by ../shared/peers/build-step-ca.sh),
 * FEDCA_WORKERS (fedca's workers; default one per CPU).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { createKeyAndCsr } from './csr.js';
import { makeBenchHome } from './lib/benchHome.js';
import { startFedca, stopServer, type RunningServer } from './lib/fedca.js';
import { startTlsFloor } from './lib/tlsFloor.js';
import { loadAverage } from './lib/machine.js';
import { cpuSeconds, median, residentMiB, rssMiB } from './lib/process.js';
import { renewLoad, type Identity } from './lib/renewLoad.js';
import { startStepCa, stepCaBinary, writeStepCaConfig } from './lib/stepCa.js';
import { loadProvisioner, mintTokens, type BenchProvisioner } from './lib/tokens.js';
import { hasWrk, wrkSign } from './lib/wrk.js';
import { defaultWorkerCount } from '../src/server/workers.js';
import { closedPort } from '../test/helpers/ports.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * A discarded run per CA and case first: fedca's JavaScript is compiled by V8 as it
 * runs, step-ca's Go ahead of time, and a server runs for days. Measured 2026-11-28
 * (perf, one worker under the sign load): V8's optimising compiler took 9% of the
 * worker's CPU 16–24 s into the load, 1.7% after 40 s; a 2 s warm-up left most of
 * that compiling inside the measured runs.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 20);
const CASES = new Set((process.env.BENCH_CASES ?? 'sign,renew').split(','));
const SUBJECT = 'bench.internal';
const CSR_POOL = 32;
const RENEW_CONCURRENCY = 8;
const SIGN_CONCURRENCY = 16;

type Ca = 'fedca' | 'step-ca';
interface Sample {
  readonly perSecond: number;
  readonly cpuUs: number;
  readonly p50: number;
  readonly p99: number;
  readonly failures: number;
}

/** Signs one certificate (for the renew case): the leaf chain and its key. */
function signOnce(port: number, rootPem: string, csr: string, ott: string): Promise<string> {
  const body = JSON.stringify({ csr, ott });
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/1.0/sign', method: 'POST', ca: rootPem, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        if (res.statusCode !== 201) return reject(new Error(`sign: ${res.statusCode} ${text}`));
        const answer = JSON.parse(text) as { crt: string; ca: string };
        resolve(`${answer.crt.trim()}\n${answer.ca.trim()}\n`);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const audience = (port: number): string => `https://localhost:${port}/1.0/sign`;

function signRun(server: RunningServer, dir: string, p: BenchProvisioner, csrs: string[], seconds = SECONDS): Sample {
  const tokens = mintTokens(p, audience(server.port), SUBJECT, seconds * 8000);
  const pid = server.child.pid as number;
  const before = cpuSeconds(pid);
  const r = wrkSign(dir, `https://127.0.0.1:${server.port}/1.0/sign`, csrs, tokens, SIGN_CONCURRENCY, seconds);
  return { perSecond: r.perSecond, cpuUs: ((cpuSeconds(pid) - before) * 1e6) / r.requests, p50: r.p50, p99: r.p99, failures: r.failures };
}

async function renewRun(server: RunningServer, rootPem: string, identities: Identity[], seconds = SECONDS): Promise<Sample> {
  const pid = server.child.pid as number;
  const before = cpuSeconds(pid);
  const r = await renewLoad(server.port, rootPem, identities, RENEW_CONCURRENCY, seconds);
  return { perSecond: r.perSecond, cpuUs: ((cpuSeconds(pid) - before) * 1e6) / r.requests, p50: r.p50, p99: r.p99, failures: r.failures };
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function report(title: string, samples: Record<Ca, Sample[]>): Record<Ca, Sample> {
  console.log(`\n${title}`);
  console.log('| run | CA | per s | p50 ms | p99 ms | server CPU µs/op | failures |');
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  for (const ca of ['fedca', 'step-ca'] as const) samples[ca].forEach((s, i) => console.log(`| ${i + 1} | ${ca} | ${fmt(s.perSecond)} | ${fmt(s.p50, 2)} | ${fmt(s.p99, 2)} | ${fmt(s.cpuUs)} | ${s.failures} |`));
  const med = (ca: Ca): Sample => ({
    perSecond: median(samples[ca].map((s) => s.perSecond)),
    cpuUs: median(samples[ca].map((s) => s.cpuUs)),
    p50: median(samples[ca].map((s) => s.p50)),
    p99: median(samples[ca].map((s) => s.p99)),
    failures: samples[ca].reduce((sum, s) => sum + s.failures, 0),
  });
  return { fedca: med('fedca'), 'step-ca': med('step-ca') };
}

/** The floor's rows, under the CAs' in the table report() printed. */
function printFloor(samples: readonly Sample[]): void {
  samples.forEach((f, i) => console.log(`| ${i + 1} | node:https floor | ${fmt(f.perSecond)} | ${fmt(f.p50, 2)} | ${fmt(f.p99, 2)} | ${fmt(f.cpuUs)} | ${f.failures} |`));
}

async function main(): Promise<void> {
  if (!hasWrk()) throw new Error('wrk is not installed (Debian package wrk)');
  const bench = await makeBenchHome('vs-step');
  const { dir, home, password, passwordFile } = bench;
  const servers: Partial<Record<Ca, RunningServer>> = {};
  let floor: RunningServer | undefined;
  try {
    const binary = await stepCaBinary();
    const stepPort = await closedPort();
    servers['step-ca'] = await startStepCa(binary, writeStepCaConfig(home, dir, stepPort), passwordFile, stepPort);
    servers.fedca = await startFedca(home, passwordFile);
    const rootPem = readFileSync(join(home, 'pki/root_ca.crt'), 'utf8');
    const p = await loadProvisioner(home, password);
    const pool = Array.from({ length: CSR_POOL }, () => createKeyAndCsr(SUBJECT));
    const csrs = pool.map((k) => k.csr);
    const order = (round: number): Ca[] => (round % 2 ? ['step-ca', 'fedca'] : ['fedca', 'step-ca']);
    // The floor: node:https with fedca's TLS settings, on a certificate fedca issued for localhost, in as many processes as fedca.
    const workers = Number(process.env.FEDCA_WORKERS ?? defaultWorkerCount());
    const floorKey = createKeyAndCsr('localhost');
    const floorChain = await signOnce(servers.fedca.port, rootPem, floorKey.csr, mintTokens(p, audience(servers.fedca.port), 'localhost', 1)[0]);
    const floorServer = await startTlsFloor(dir, floorKey.key, floorChain, rootPem + readFileSync(join(home, 'pki/intermediate_ca.crt'), 'utf8'), workers, home);
    floor = floorServer;
    const date = new Date().toISOString().slice(0, 10);
    console.log(`fedca vs step-ca 0.19 — ${date}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, node ${process.version}, fedca workers (and the floor's): ${workers}; ${ROUNDS} alternating rounds of ${SECONDS} s per case after a ${WARMUP_SECONDS} s warm-up each; load average ${loadAverage()}`);
    const lines: string[] = [];
    if (CASES.has('sign')) {
      if (WARMUP_SECONDS > 0) {
        for (const ca of order(0)) signRun(servers[ca] as RunningServer, dir, p, csrs, WARMUP_SECONDS);
        signRun(floorServer, dir, p, csrs, WARMUP_SECONDS);
      }
      const samples: Record<Ca, Sample[]> = { fedca: [], 'step-ca': [] };
      const floorSamples: Sample[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const ca of order(round)) samples[ca].push(signRun(servers[ca] as RunningServer, dir, p, csrs));
        floorSamples.push(signRun(floorServer, dir, p, csrs));
      }
      const m = report(`POST /1.0/sign at c${SIGN_CONCURRENCY} (wrk, one token per request, ${CSR_POOL} distinct CSR keys)`, samples);
      printFloor(floorSamples);
      const floorCpu = median(floorSamples.map((f) => f.cpuUs));
      const pid = (ca: Ca): number => servers[ca]?.child.pid as number;
      const resident = { fedca: residentMiB(pid('fedca')), 'step-ca': residentMiB(pid('step-ca')) };
      const rss = { fedca: rssMiB(pid('fedca')), 'step-ca': rssMiB(pid('step-ca')) };
      lines.push(`| signs/s at c${SIGN_CONCURRENCY} | ${fmt(m.fedca.perSecond)} | ${fmt(m['step-ca'].perSecond)} | ${fmt(m.fedca.perSecond / m['step-ca'].perSecond, 2)}× | ≥ 2.0× |`);
      lines.push(`| server CPU µs per sign | ${fmt(m.fedca.cpuUs)} | ${fmt(m['step-ca'].cpuUs)} | ${fmt(m.fedca.cpuUs / m['step-ca'].cpuUs, 2)}× | ≤ 0.5× |`);
      lines.push(`| sign floor: CPU µs per sign of node:https and the signatures alone, no CA work (against step-ca's sign) | ${fmt(floorCpu)} | ${fmt(m['step-ca'].cpuUs)} | ${fmt(floorCpu / m['step-ca'].cpuUs, 2)}× | — |`);
      lines.push(`| p99 ms at c${SIGN_CONCURRENCY} | ${fmt(m.fedca.p99, 1)} | ${fmt(m['step-ca'].p99, 1)} | ${fmt(m.fedca.p99 / m['step-ca'].p99, 2)}× | ≤ 1.0× |`);
      lines.push(`| resident memory after load, MiB (each page once: the RSS of one process) | ${fmt(resident.fedca)} | ${fmt(resident['step-ca'])} | ${fmt(resident.fedca / resident['step-ca'], 2)}× | ≤ 1.0× |`);
      lines.push(`| RSS summed over the server's processes, MiB (shared pages once per process) | ${fmt(rss.fedca)} | ${fmt(rss['step-ca'])} | ${fmt(rss.fedca / rss['step-ca'], 2)}× | — |`);
    }
    if (CASES.has('renew')) {
      const identities: Record<Ca, Identity[]> = { fedca: [], 'step-ca': [] };
      for (const ca of ['fedca', 'step-ca'] as const) {
        const server = servers[ca] as RunningServer;
        const tokens = mintTokens(p, audience(server.port), SUBJECT, RENEW_CONCURRENCY);
        for (let i = 0; i < RENEW_CONCURRENCY; i++) identities[ca].push({ chain: await signOnce(server.port, rootPem, pool[i].csr, tokens[i]), key: pool[i].key });
      }
      const floorIdentities = identities.fedca;
      if (WARMUP_SECONDS > 0) {
        for (const ca of order(0)) await renewRun(servers[ca] as RunningServer, rootPem, identities[ca], WARMUP_SECONDS);
        await renewRun(floorServer, rootPem, floorIdentities, WARMUP_SECONDS);
      }
      const samples: Record<Ca, Sample[]> = { fedca: [], 'step-ca': [] };
      const floorSamples: Sample[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        for (const ca of order(round)) samples[ca].push(await renewRun(servers[ca] as RunningServer, rootPem, identities[ca]));
        floorSamples.push(await renewRun(floorServer, rootPem, floorIdentities));
      }
      const m = report(`POST /1.0/renew at c${RENEW_CONCURRENCY}, a fresh mTLS connection (full handshake, client certificate) per renewal`, samples);
      printFloor(floorSamples);
      const floorCpu = median(floorSamples.map((f) => f.cpuUs));
      lines.push(`| renewals/s at c${RENEW_CONCURRENCY}, fresh mTLS | ${fmt(m.fedca.perSecond)} | ${fmt(m['step-ca'].perSecond)} | ${fmt(m.fedca.perSecond / m['step-ca'].perSecond, 2)}× | ≥ 1.0× |`);
      lines.push(`| server CPU µs per renewal | ${fmt(m.fedca.cpuUs)} | ${fmt(m['step-ca'].cpuUs)} | ${fmt(m.fedca.cpuUs / m['step-ca'].cpuUs, 2)}× | ≤ 1.0× |`);
      lines.push(`| node:https floor: CPU µs per fresh mTLS connection with no CA work (against step-ca's renewal) | ${fmt(floorCpu)} | ${fmt(m['step-ca'].cpuUs)} | ${fmt(floorCpu / m['step-ca'].cpuUs, 2)}× | — |`);
    }
    console.log(`\nMedians and ratios (fedca / step-ca), ${date}, load average at the end ${loadAverage()}`);
    console.log('| figure | fedca | step-ca | ratio | goal |');
    console.log('|---|---:|---:|---:|---|');
    for (const l of lines) console.log(l);
  } finally {
    await Promise.all([stopServer(servers.fedca), stopServer(servers['step-ca']), stopServer(floor)]);
    bench.remove();
  }
}

await main();
