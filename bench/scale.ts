/**
 * `npm run bench:scale`: issue 18's scale goals, each case printing a table with a
 * "goal met" column — crl (a CRL of 100,000 entries built and served < 1 s, then
 * served from the store < 1 ms), ocsp (≥ 10,000 answers/s), store (sign p50/p99 flat
 * within 10% from an empty store to 1,000,000 certificates, SQLite and PostgreSQL).
 * BENCH_CASES picks cases (default "crl,ocsp,store"); each case's file lists its
 * options. Needs wrk (ocsp, store) and, for the PostgreSQL store, the machine's
 * PostgreSQL. Not a test: the numbers go in the README.
 */
import { crlCase } from './scale/crlCase.js';
import { ocspCase } from './scale/ocspCase.js';
import { storeCase } from './scale/storeCase.js';
import { machineLine } from './lib/machine.js';

const CASES: Readonly<Record<string, () => Promise<void>>> = { crl: crlCase, ocsp: ocspCase, store: storeCase };
const chosen = (process.env.BENCH_CASES ?? 'crl,ocsp,store').split(',').map((c) => c.trim());
const unknown = chosen.filter((c) => !(c in CASES));
if (unknown.length > 0) throw new Error(`BENCH_CASES: unknown case(s) ${unknown.join(', ')} (crl, ocsp, store)`);

console.log(`fedca scale benchmark — ${machineLine()}`);
for (const name of chosen) {
  const started = Date.now();
  await CASES[name]();
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
}
