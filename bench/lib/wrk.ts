/** POST /1.0/sign load from wrk (C, one thread), each request with its own token, CSRs taken in turn from a pool. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LUA = new URL('../../../bench/sign.lua', import.meta.url).pathname;
const PATHS_LUA = new URL('../../../bench/paths.lua', import.meta.url).pathname;

export interface WrkResult {
  readonly requests: number;
  readonly failures: number;
  readonly perSecond: number;
  /** Latency percentiles in ms. */
  readonly p50: number;
  readonly p99: number;
}

export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as { status?: number }).status === 1; // wrk --version exits 1 after printing
  }
}

/** wrk's latency percentile `label` ("50", "99") in ms, from its --latency output. */
function latencyMs(out: string, label: string): number {
  const m = new RegExp(`${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

/** Requests, failures (non-2xx and timeouts) and rate from wrk's output. */
function counts(out: string): { requests: number; failures: number; perSecond: number } {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const failures = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors: .*?(\d+) timeout/.exec(out)?.[1] ?? 0);
  return { requests, failures, perSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0) };
}

/** Runs wrk (one thread) with GET requests over `paths` in turn at `base` (scheme://host:port) for `seconds`; `dir` receives the path file the Lua script reads. */
export function wrkGet(dir: string, base: string, paths: readonly string[], concurrency: number, seconds: number): WrkResult {
  const pathFile = join(dir, `paths-${concurrency}-${Date.now()}`);
  writeFileSync(pathFile, paths.join('\n') + '\n');
  const out = execFileSync('wrk', ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--latency', '-s', PATHS_LUA, base], { env: { ...process.env, FEDCA_BENCH_PATHS: pathFile } }).toString();
  return { ...counts(out), p50: latencyMs(out, '50'), p99: latencyMs(out, '99') };
}

/** Runs wrk against `url` for `seconds`; `dir` receives the token and CSR files the Lua script reads. */
export function wrkSign(dir: string, url: string, csrs: readonly string[], tokens: readonly string[], concurrency: number, seconds: number): WrkResult {
  const tokenFile = join(dir, `tokens-${concurrency}-${Date.now()}`);
  const csrFile = join(dir, 'csrs.jsonl');
  writeFileSync(tokenFile, tokens.join('\n') + '\n');
  writeFileSync(csrFile, csrs.map((c) => JSON.stringify(c)).join('\n') + '\n');
  const out = execFileSync('wrk', ['-t1', `-c${concurrency}`, `-d${seconds}s`, '--latency', '-s', LUA, url], {
    env: { ...process.env, FEDCA_BENCH_CSR: csrFile, FEDCA_BENCH_TOKENS: tokenFile },
  }).toString();
  const { requests, failures, perSecond } = counts(out);
  if (requests > tokens.length) throw new Error(`wrk sent ${requests} requests but only ${tokens.length} tokens were minted: raise the estimate`);
  return { requests, failures, perSecond, p50: latencyMs(out, '50'), p99: latencyMs(out, '99') };
}
