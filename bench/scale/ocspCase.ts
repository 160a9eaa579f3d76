/**
 * The ocsp case of `npm run bench:scale`: a store holding BENCH_OCSP_SERIALS certificates
 * (default 1,000), half of them revoked (Store.importRows), `fedca start`, and wrk (one
 * thread) at c16 for BENCH_SECONDS (default 5) over GET /1.0/ocsp/{base64} for 64 serials,
 * half good and half revoked, one serial per request: without a nonce (as browsers and
 * Go's x/crypto/ocsp ask: answers kept and served again) over plain HTTP (the
 * `insecureAddress` listener, where AIA OCSP URLs point when it is set) and over HTTPS,
 * and with a nonce (as `openssl ocsp` asks: signed for that request) over HTTPS.
 * Answers/s, p50/p99 and the server's CPU per answer; each answer checked once before.
 * Fedca-only: step-ca 0.19 has no OCSP responder.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { parseCertificate, type ParsedCertificate } from '../../src/pki/certificate.js';
import { answerFor, buildOcspRequest, parseOcspResponse } from '../../src/pki/ocspClient.js';
import { pemDers } from '../../src/pki/pem.js';
import { makeBenchHome } from '../lib/benchHome.js';
import { certificateRows, revocationRows } from '../lib/bulkRows.js';
import { startFedca, stopServer, type RunningServer } from '../lib/fedca.js';
import { timedGet } from '../lib/httpsGet.js';
import { loadAverage } from '../lib/machine.js';
import { cpuSeconds } from '../lib/process.js';
import { wrkGet } from '../lib/wrk.js';
import { ms, printGoalTable, type GoalRow } from './goalTable.js';

const SERIALS = Number(process.env.BENCH_OCSP_SERIALS ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = 16;
const ASKED = 64;
const GOAL_PER_SECOND = 10_000;

/** GET paths asking about `serials` (one each), with a fresh nonce each when `nonce`. */
const ocspPaths = (intermediate: ParsedCertificate, serials: readonly bigint[], nonce: boolean): string[] =>
  serials.map((s) => `/1.0/ocsp/${encodeURIComponent(buildOcspRequest(intermediate, [s], nonce ? randomBytes(16) : undefined).toString('base64'))}`);

export async function ocspCase(): Promise<void> {
  const home = await makeBenchHome('ocsp');
  let server: RunningServer | undefined;
  let agent: Agent | undefined;
  try {
    const certificates = certificateRows(SERIALS);
    const revoked = certificates.filter((_, i) => i % 2 === 1).map((c) => c.serial);
    const insecurePort = await home.addInsecureListener();
    const store = await home.openStore();
    await store.importRows({ certificates, revocations: revocationRows(revoked) });
    await store.close();
    server = await startFedca(home.home, home.passwordFile);
    const pid = server.child.pid as number;
    const intermediate = parseCertificate(pemDers(readFileSync(join(home.home, 'pki/intermediate_ca.crt'), 'utf8'))[0]);
    const asked = certificates.slice(0, ASKED).map((c) => BigInt(c.serial));
    agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(join(home.home, 'pki/root_ca.crt'), 'utf8') });
    // Every answer right once (and the responder certificate issued) before the clock runs.
    const check = ocspPaths(intermediate, asked, false);
    for (let i = 0; i < asked.length; i++) {
      const r = await timedGet(agent, server.port, check[i]);
      const basic = parseOcspResponse(r.body).basic;
      const status = basic && answerFor(basic, intermediate, asked[i]);
      const expected = i % 2 === 1 ? 'revoked' : 'good';
      if (r.status !== 200 || status?.kind !== expected) throw new Error(`OCSP for serial ${asked[i]} answered HTTP ${r.status}, ${status?.kind ?? 'no answer'}; expected ${expected}`);
    }
    const rows: GoalRow[] = [];
    const runs = [
      { kind: 'plain HTTP, no nonce', base: `http://127.0.0.1:${insecurePort}`, nonce: false },
      { kind: 'HTTPS, no nonce', base: `https://127.0.0.1:${server.port}`, nonce: false },
      { kind: 'HTTPS, a nonce (signed per request)', base: `https://127.0.0.1:${server.port}`, nonce: true },
    ];
    for (const { kind, base, nonce } of runs) {
      const before = cpuSeconds(pid);
      const run = wrkGet(home.dir, base, ocspPaths(intermediate, asked, nonce), CONCURRENCY, SECONDS);
      const cpuUs = ((cpuSeconds(pid) - before) * 1e6) / Math.max(1, run.requests);
      rows.push(
        { measure: `answers/s, ${kind}`, figure: run.perSecond.toFixed(0), goal: `≥ ${GOAL_PER_SECOND.toLocaleString('en')}/s`, met: run.perSecond >= GOAL_PER_SECOND && run.failures === 0 },
        { measure: `p50 / p99, ${kind}`, figure: `${ms(run.p50)} / ${ms(run.p99)}`, goal: '' },
        { measure: `server CPU per answer, ${kind}`, figure: `${cpuUs.toFixed(0)} µs`, goal: '' },
        { measure: `failures (non-2xx, timeouts), ${kind}`, figure: String(run.failures), goal: '0', met: run.failures === 0 },
      );
    }
    printGoalTable(
      `ocsp — GET /1.0/ocsp/{base64} on 127.0.0.1, wrk (1 thread, on this machine) at c${CONCURRENCY}, ${SECONDS} s a run, ${ASKED} serials asked in turn (half good, half revoked) of ${SERIALS.toLocaleString('en')} in a SQLite store, server with its default workers; load average after: ${loadAverage()}; fedca-only (step-ca 0.19 has no OCSP responder)`,
      rows,
    );
  } finally {
    agent?.destroy();
    await stopServer(server);
    home.remove();
  }
}
