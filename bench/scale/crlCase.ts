/**
 * The crl case of `npm run bench:scale`: a store holding BENCH_CRL_ENTRIES revocations
 * (default 100,000, written in one transaction through Store.importRows), `fedca start`,
 * the first GET /1.0/crl timed (build, sign, save, serve), then BENCH_CRL_GETS (default
 * 2,000) GETs one after another over one keep-alive HTTPS connection, served from the
 * stored CRL. The DER is read back and its entries counted. Fedca-only: step-ca 0.19
 * serves no CRL of this kind.
 */
import { Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { children, readRoot, Tag } from '../../src/pki/der.js';
import { makeBenchHome } from '../lib/benchHome.js';
import { revocationRows, randomSerial } from '../lib/bulkRows.js';
import { startFedca, stopServer, type RunningServer } from '../lib/fedca.js';
import { timedGet } from '../lib/httpsGet.js';
import { loadAverage } from '../lib/machine.js';
import { percentile } from '../lib/process.js';
import { ms, printGoalTable } from './goalTable.js';

const ENTRIES = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
const GETS = Number(process.env.BENCH_CRL_GETS ?? 2_000);

/** Entries of a CRL's revokedCertificates, read with limits raised for this one trusted object. */
function countEntries(der: Buffer): number {
  const root = readRoot(der, { maxDepth: 20, maxElements: 20 * ENTRIES + 1000 });
  const [tbs] = children(der, root);
  const revoked = children(der, tbs).filter((el) => el.tag === Tag.SEQUENCE)[2];
  return revoked ? children(der, revoked).length : 0;
}

export async function crlCase(): Promise<void> {
  const home = await makeBenchHome('crl');
  let server: RunningServer | undefined;
  let agent: Agent | undefined;
  try {
    const store = await home.openStore();
    const fillStart = process.hrtime.bigint();
    await store.importRows({ revocations: revocationRows(Array.from({ length: ENTRIES }, randomSerial)) });
    const fillSeconds = Number(process.hrtime.bigint() - fillStart) / 1e9;
    await store.close();
    server = await startFedca(home.home, home.passwordFile);
    agent = new Agent({ keepAlive: true, maxSockets: 1, ca: readFileSync(join(home.home, 'pki/root_ca.crt'), 'utf8') });
    const first = await timedGet(agent, server.port, '/1.0/crl');
    if (first.status !== 200) throw new Error(`GET /1.0/crl answered ${first.status}: ${first.body.toString().slice(0, 200)}`);
    const entries = countEntries(first.body);
    const firstByte: number[] = [];
    const total: number[] = [];
    let changed = 0;
    for (let i = 0; i < GETS; i++) {
      const r = await timedGet(agent, server.port, '/1.0/crl');
      if (r.status !== 200 || !r.body.equals(first.body)) changed++;
      firstByte.push(r.firstByteMs);
      total.push(r.totalMs);
    }
    const load = loadAverage();
    firstByte.sort((a, b) => a - b);
    total.sort((a, b) => a - b);
    printGoalTable(`crl — ${ENTRIES.toLocaleString('en')} revocations in a SQLite store (filled in ${fillSeconds.toFixed(1)} s through importRows), HTTPS on 127.0.0.1, ${GETS} cached GETs on one keep-alive connection; load average after: ${load}; fedca-only (step-ca 0.19 has no such endpoint)`, [
      { measure: 'CRL size', figure: `${(first.body.length / 1_048_576).toFixed(2)} MiB, ${entries.toLocaleString('en')} entries`, goal: `${ENTRIES.toLocaleString('en')} entries`, met: entries === ENTRIES },
      { measure: 'first GET /1.0/crl (build + sign + save + serve), whole body', figure: ms(first.totalMs), goal: '< 1 s', met: first.totalMs < 1000 },
      { measure: 'cached GET /1.0/crl, headers, p50', figure: ms(percentile(firstByte, 0.5)), goal: '< 1 ms', met: percentile(firstByte, 0.5) < 1 },
      { measure: 'cached GET /1.0/crl, headers, p99', figure: ms(percentile(firstByte, 0.99)), goal: '' },
      { measure: 'cached GET /1.0/crl, whole body, p50', figure: ms(percentile(total, 0.5)), goal: '< 1 ms', met: percentile(total, 0.5) < 1 },
      { measure: 'cached GET /1.0/crl, whole body, p99', figure: ms(percentile(total, 0.99)), goal: '' },
      { measure: 'cached answers differing from the first', figure: String(changed), goal: '0', met: changed === 0 },
    ]);
  } finally {
    agent?.destroy();
    await stopServer(server);
    home.remove();
  }
}
