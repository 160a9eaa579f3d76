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
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign as cryptoSign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactDecrypt } from 'jose';
import { createCsr } from './csr.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LUA = new URL('../../bench/sign.lua', import.meta.url).pathname;
const hasWrk = (): boolean => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status === 1; // wrk --version exits 1 after printing
  }
};
const CLIENT = process.env.BENCH_CLIENT ?? (hasWrk() ? 'wrk' : 'node');
const LEVELS = (process.env.BENCH_LEVELS ?? '1,16,64').split(',').map(Number);
const SUBJECT = 'bench.internal';

interface Provisioner {
  name: string;
  kid: string;
  key: KeyObject;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`fedca ${args[0]} exited ${code}: ${out}`))));
  });
}

/** Starts `fedca start` and resolves once it prints its port. */
function startServer(home: string, passwordFile: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'start', '--home', home, '--password-file', passwordFile, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

async function loadProvisioner(home: string, password: string): Promise<Provisioner> {
  const config = JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')) as { authority: { provisioners: { name: string; key: { kid: string }; encryptedKey: string }[] } };
  const p = config.authority.provisioners[0];
  const { plaintext } = await compactDecrypt(p.encryptedKey, new TextEncoder().encode(password), { keyManagementAlgorithms: ['PBES2-HS256+A128KW'], maxPBES2Count: 1_000_000 });
  return { name: p.name, kid: p.key.kid, key: createPrivateKey({ key: JSON.parse(new TextDecoder().decode(plaintext)) as JsonWebKey, format: 'jwk' }) };
}

/** Mints sign tokens with node:crypto directly (fast enough to make tens of thousands). */
function mintTokens(p: Provisioner, aud: string, count: number): string[] {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: p.kid, typ: 'JWT' })).toString('base64url');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const claims = { iss: p.name, sub: SUBJECT, aud, sans: [SUBJECT], jti: randomBytes(16).toString('hex'), iat: now, nbf: now, exp: now + 3600 };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    out.push(`${input}.${cryptoSign('sha256', Buffer.from(input), { key: p.key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`);
  }
  return out;
}

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

const WORKERS = process.env.FEDCA_WORKERS ?? String(availableParallelism());

/** The server process and its workers (children). */
function serverPids(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return [pid, ...(children ? children.split(/\s+/).map(Number) : [])];
}

/** CPU seconds (user + system) the server's processes have used so far. */
function serverCpuSeconds(pid: number): number {
  return serverPids(pid).reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  }, 0);
}

const percentile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

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

/** One level driven by wrk for SECONDS; tokens are written to a file the Lua script reads. */
function wrkLevel(dir: string, port: number, csrPem: string, tokens: string[], concurrency: number): LevelResult {
  const tokenFile = join(dir, `tokens-${concurrency}`);
  const csrFile = join(dir, 'csr.json');
  writeFileSync(tokenFile, tokens.join('\n') + '\n');
  writeFileSync(csrFile, JSON.stringify(csrPem));
  const out = execFileSync('wrk', ['-t1', `-c${concurrency}`, `-d${SECONDS}s`, '--latency', '-s', LUA, `https://127.0.0.1:${port}/1.0/sign`], {
    env: { ...process.env, FEDCA_BENCH_CSR: csrFile, FEDCA_BENCH_TOKENS: tokenFile },
  }).toString();
  const ms = (label: string): number => {
    const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return NaN;
    return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const failures = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: .*?(\d+) timeout/.exec(out)?.[1] ?? 0);
  if (requests > tokens.length) throw new Error(`wrk sent ${requests} requests but only ${tokens.length} tokens were minted: raise the estimate`);
  return { concurrency, requests, failures, perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0), p50: ms('50'), p99: ms('99') };
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
  const home = mkdtempSync(join(tmpdir(), 'fedca-bench-'));
  const passwordFile = join(home, 'password');
  const password = randomBytes(16).toString('hex');
  writeFileSync(passwordFile, password, { mode: 0o600 });
  let server: ChildProcess | undefined;
  try {
    await run(['init', '--home', home, '--address', '127.0.0.1:0', '--password-file', passwordFile]);
    if (process.env.BENCH_RATE_LIMIT === '1') {
      const configFile = join(home, 'config/ca.json');
      const bucket = { requests: 1_000_000, per: '1s' };
      writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), rateLimit: { perAddress: bucket, perProvisioner: bucket } }));
    }
    const started = await startServer(home, passwordFile);
    server = started.child;
    const rootPem = readFileSync(join(home, 'pki/root_ca.crt'), 'utf8');
    const p = await loadProvisioner(home, password);
    const csrPem = createCsr(SUBJECT);
    const rows: LevelResult[] = [];
    const aud = `https://localhost:${started.port}/1.0/sign`;
    const pid = server.pid as number;
    for (const c of LEVELS) {
      const tokens = CLIENT === 'wrk' ? mintTokens(p, aud, SECONDS * 8000) : mintTokens(p, aud, REQUESTS + Math.min(200, c * 10));
      const cpuBefore = serverCpuSeconds(pid);
      const row = CLIENT === 'wrk' ? wrkLevel(home, started.port, csrPem, tokens, c) : await level(started.port, rootPem, csrPem, tokens, c);
      row.cpuUsPerSign = ((serverCpuSeconds(pid) - cpuBefore) * 1e6) / row.requests;
      rows.push(row);
    }
    const rss = serverPids(server.pid as number).reduce((sum, pid) => sum + peakRssMiB(pid), 0);
    const load = CLIENT === 'wrk' ? `wrk (1 thread), ${SECONDS} s per level` : `node client, ${REQUESTS} signs per level`;
    console.log(`\nfedca sign benchmark — node ${process.version}, ${WORKERS} server worker(s), load from ${load}, EC P-256 CSR, keep-alive HTTPS on 127.0.0.1`);
    console.log('| concurrency | signs/s | p50 ms | p99 ms | server CPU µs/sign | failures |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.concurrency} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.cpuUsPerSign ?? 0).toFixed(0)} | ${r.failures} |`);
    console.log(`server peak RSS (all processes, summed): ${rss.toFixed(1)} MiB`);
  } finally {
    server?.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
