/**
 * The crl case of `npm run bench:scale`: a store holding BENCH_CRL_ENTRIES revocations
 * (default 100,000, written in one transaction through Store.importRows), `fedca start`,
 * the first GET /1.0/crl timed (build, sign, save, serve), then BENCH_CRL_GETS (default
 * 2,000) GETs of each kind one after another over one keep-alive connection per protocol,
 * the kinds taking turns in blocks, served from the CRL kept in memory: over HTTPS, and
 * over the plain-HTTP `insecureAddress` listener (how relying parties fetch CRLs), each
 * both whole and conditional (If-None-Match with the
 * first answer's ETag: 304, as a refresher holding the CRL asks); and as many GET
 * /1.0/health over HTTPS, the floor of any answer on this machine. The DER is read
 * back and its entries counted.
 * Fedca-only: step-ca 0.19 serves no CRL of this kind.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCrl } from '../../src/pki/readCrl.js';
import { makeBenchHome } from '../lib/benchHome.js';
import { revocationRows, randomSerial } from '../lib/bulkRows.js';
import { startFedca, stopServer, type RunningServer } from '../lib/fedca.js';
import { timedGet } from '../lib/httpsGet.js';
import { loadAverage } from '../lib/machine.js';
import { percentile } from '../lib/process.js';
import { ms, printGoalTable, type GoalRow } from './goalTable.js';

const ENTRIES = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
const GETS = Number(process.env.BENCH_CRL_GETS ?? 2_000);

interface Series {
  /** ms to the response headers, sorted. */
  readonly firstByte: number[];
  /** ms to the end of the body, sorted. */
  readonly total: number[];
  /** Answers that were not `expected.status` (200 by default) with `expected.body` as their body (when given). */
  readonly wrong: number;
}

/** What each answer of a series must be. */
interface Expected {
  readonly status?: number;
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The series are run in this many blocks, taking turns (HTTPS, plain HTTP, HTTPS 304, plain
 * HTTP 304, health, then again): run one after another, each series met the client's and
 * the server's state (heap, garbage from 2,000 bodies of 3.8 MiB) the one before left.
 */
const BLOCKS = 8;

/** One kind of request, timed: where it goes and what each answer must be. */
interface Kind {
  readonly agent: Agent | HttpAgent;
  readonly port: number;
  readonly path: string;
  readonly expected: Expected;
}

/** GETS requests of each kind, one after another on each kind's agent's one connection, the kinds taking turns in BLOCKS blocks. */
async function series(kinds: readonly Kind[]): Promise<Series[]> {
  const out = kinds.map(() => ({ firstByte: [] as number[], total: [] as number[], wrong: 0 }));
  for (let block = 0; block < BLOCKS; block++) {
    for (const [k, kind] of kinds.entries()) {
      const s = out[k];
      for (let i = 0; i < Math.ceil(GETS / BLOCKS); i++) {
        const r = await timedGet(kind.agent, kind.port, kind.path, kind.expected.headers);
        if (r.status !== (kind.expected.status ?? 200) || (kind.expected.body && !r.body.equals(kind.expected.body))) s.wrong++;
        s.firstByte.push(r.firstByteMs);
        s.total.push(r.totalMs);
      }
    }
  }
  for (const s of out) {
    s.firstByte.sort((a, b) => a - b);
    s.total.sort((a, b) => a - b);
  }
  return out;
}

export async function crlCase(): Promise<void> {
  const home = await makeBenchHome('crl');
  let server: RunningServer | undefined;
  let agent: Agent | undefined;
  const plainAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  try {
    const insecurePort = await home.addInsecureListener();
    const store = await home.openStore();
    const fillStart = process.hrtime.bigint();
    await store.importRows({ revocations: revocationRows(Array.from({ length: ENTRIES }, randomSerial)) });
    const fillSeconds = Number(process.hrtime.bigint() - fillStart) / 1e9;
    await store.close();
    server = await startFedca(home.home, home.passwordFile);
    agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(join(home.home, 'pki/root_ca.crt'), 'utf8') });
    const first = await timedGet(agent, server.port, '/1.0/crl');
    if (first.status !== 200) throw new Error(`GET /1.0/crl answered ${first.status}: ${first.body.toString().slice(0, 200)}`);
    const entries = parseCrl(first.body).entries.length;
    const etag = first.headers.etag;
    if (typeof etag !== 'string') throw new Error('GET /1.0/crl answered without an ETag');
    const unchanged: Expected = { status: 304, body: Buffer.alloc(0), headers: { 'if-none-match': etag } };
    const [overHttps, overHttp, conditionalHttps, conditionalHttp, health] = await series([
      { agent, port: server.port, path: '/1.0/crl', expected: { body: first.body } },
      { agent: plainAgent, port: insecurePort, path: '/1.0/crl', expected: { body: first.body } },
      { agent, port: server.port, path: '/1.0/crl', expected: unchanged },
      { agent: plainAgent, port: insecurePort, path: '/1.0/crl', expected: unchanged },
      { agent, port: server.port, path: '/1.0/health', expected: {} },
    ]);
    const wrong = overHttps.wrong + overHttp.wrong + conditionalHttps.wrong + conditionalHttp.wrong;
    const load = loadAverage();
    const p = (values: number[], q: number): string => ms(percentile(values, q));
    const cachedRows = (name: string, s: Series): GoalRow[] => [
      { measure: `cached GET /1.0/crl ${name}, headers, p50 / p99`, figure: `${p(s.firstByte, 0.5)} / ${p(s.firstByte, 0.99)}`, goal: '< 1 ms', met: percentile(s.firstByte, 0.5) < 1 },
      { measure: `cached GET /1.0/crl ${name}, whole body, p50 / p99`, figure: `${p(s.total, 0.5)} / ${p(s.total, 0.99)}`, goal: '< 1 ms', met: percentile(s.total, 0.5) < 1 },
    ];
    const conditionalRow = (name: string, s: Series): GoalRow => ({
      measure: `conditional GET /1.0/crl ${name} (If-None-Match: its ETag; 304, no body), p50 / p99`,
      figure: `${p(s.total, 0.5)} / ${p(s.total, 0.99)}`,
      goal: '< 1 ms',
      met: percentile(s.total, 0.5) < 1,
    });
    printGoalTable(`crl — ${ENTRIES.toLocaleString('en')} revocations in a SQLite store (filled in ${fillSeconds.toFixed(1)} s through importRows), 127.0.0.1, ${GETS} GETs of each kind one after another on one keep-alive connection per protocol, the kinds taking turns in ${BLOCKS} blocks, server with its default workers; load average after: ${load}; fedca-only (step-ca 0.19 has no such endpoint)`, [
      { measure: 'CRL size', figure: `${(first.body.length / 1_048_576).toFixed(2)} MiB, ${entries.toLocaleString('en')} entries`, goal: `${ENTRIES.toLocaleString('en')} entries`, met: entries === ENTRIES },
      { measure: 'first GET /1.0/crl over HTTPS (build + sign + save + serve), whole body', figure: ms(first.totalMs), goal: '< 1 s', met: first.totalMs < 1000 },
      ...cachedRows('over HTTPS', overHttps),
      ...cachedRows('over plain HTTP (insecureAddress)', overHttp),
      conditionalRow('over HTTPS', conditionalHttps),
      conditionalRow('over plain HTTP (insecureAddress)', conditionalHttp),
      { measure: 'GET /1.0/health over HTTPS (the floor: a tiny answer), whole body, p50 / p99', figure: `${p(health.total, 0.5)} / ${p(health.total, 0.99)}`, goal: '' },
      { measure: 'cached answers not 200 and the first CRL (304 and empty when conditional)', figure: String(wrong), goal: '0', met: wrong === 0 },
    ]);
  } finally {
    agent?.destroy();
    plainAgent.destroy();
    await stopServer(server);
    home.remove();
  }
}
