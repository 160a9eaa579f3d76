/**
 * `npm run bench:hostile`: what the worst inputs cost the CA, in CPU time per
 * request, beside the cost of one token verification. Each case is a POST /sign
 * body as an attacker would send it, run in-process (JSON.parse of the body, then
 * `authority.sign`), once with a junk token (the provisioner's kid, signed by
 * another key: the dearest junk there is) and once with a valid token. TLS and
 * HTTP framing are left out: they cost every request alike.
 */
import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Authority } from '../src/authority/authority.js';
import { loadConfig } from '../src/config/load.js';
import { initHome } from '../src/home/initHome.js';
import { loadAuthority } from '../src/home/load.js';
import { oid, sequence, tlv, Tag } from '../src/pki/der.js';
import { OID } from '../src/pki/oids.js';
import { decodeJws, verifyJws } from '../src/provisioners/jws.js';
import { csrWithDeepNesting, csrWithHugeOid, csrWithHugeSignatureOid, csrWithManySans, rawCsr, rsaSpki } from '../test/helpers/hostileInputs.js';
import { createCsr } from './csr.js';
import { loadProvisioner, mintTokens } from './lib/tokens.js';

const PASSWORD = 'bench-password';
const BODY_LIMIT = 256 * 1024;

/** CPU time (user + system, µs) per call of `run`: repeated until it has cost ~300 ms, at least 3 and at most 2000 times. */
async function cpuPerCall(run: () => Promise<unknown>): Promise<number> {
  await run();
  let calls = 0;
  const start = process.cpuUsage();
  let spent = 0;
  while (calls < 3 || (spent < 300_000 && calls < 2000)) {
    await run();
    calls++;
    const used = process.cpuUsage(start);
    spent = used.user + used.system;
  }
  return spent / calls;
}

/** An RSA CSR whose modulus has `modulusBytes` bytes and exponent `exponentBytes` bytes, with a signature as long as the modulus: the verification's modular exponentiation runs in full before the signature is found wrong. */
function rsaCsrToVerify(modulusBytes: number, exponentBytes: number): string {
  const signature = Buffer.concat([Buffer.from([0x7f]), randomBytes(modulusBytes - 1)]);
  return rawCsr({ spki: rsaSpki(modulusBytes, exponentBytes), signatureAlgorithm: sequence(oid(OID.sha256WithRsa), tlv(Tag.NULL)), signature });
}

interface Case {
  readonly name: string;
  /** The body's `csr`. */
  readonly csr: string;
  /** Other members of the body. */
  readonly extra?: Record<string, unknown>;
  /** Claims the valid token carries besides the defaults (sans). */
  readonly sans?: readonly string[];
  /** The token in place of a junk or valid one (a huge token). */
  readonly ott?: string;
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'fedca-bench-hostile-'));
  let authority: Authority | undefined;
  try {
    await initHome({ home, name: 'Bench', dnsNames: ['localhost'], address: '127.0.0.1:0', provisioner: 'admin', password: PASSWORD, kty: 'EC', force: false });
    const config = loadConfig(home);
    authority = await loadAuthority(home, config, PASSWORD);
    authority.setPublicUrl('https://localhost:9000');
    const provisioner = await loadProvisioner(home, PASSWORD);
    const publicKey = createPublicKey(provisioner.key);
    const stranger = { ...provisioner, key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
    const AUD = 'https://localhost:9000/1.0/sign';

    // The yardstick: one token verification (decode, signature), as the sign path does it.
    const [yardstick] = mintTokens(provisioner, AUD, 'svc.internal', 1);
    const verification = await cpuPerCall(async () => verifyJws(decodeJws(yardstick), publicKey));
    const goodCsr = createCsr('svc.internal');
    const fullSign = await (async () => {
      const tokens = mintTokens(provisioner, AUD, 'svc.internal', 2100);
      let i = 0;
      const a = authority as Authority;
      return cpuPerCall(() => a.sign(goodCsr, tokens[i++ % tokens.length], {}));
    })();

    const junkCsr = randomBytes((BODY_LIMIT * 3) / 4 - 200).toString('base64');
    const hugeClaims = Buffer.from(JSON.stringify({ sub: 'x', pad: 'x'.repeat((BODY_LIMIT * 3) / 4 - 1000) })).toString('base64url');
    const cases: Case[] = [
      { name: 'OID of 185 KB (subject attribute)', csr: csrWithHugeOid(185_000) },
      { name: 'OID of 185 KB (signature algorithm)', csr: csrWithHugeSignatureOid(185_000) },
      { name: 'nesting 40,000 deep', csr: csrWithDeepNesting(40_000) },
      { name: 'CSR with 9,990 SANs', csr: csrWithManySans(9_990) },
      { name: 'RSA 16384 key (verified)', csr: rsaCsrToVerify(2048, 3) },
      { name: 'RSA 16384 key, 64-bit exponent', csr: rsaCsrToVerify(2048, 8) },
      { name: 'RSA 8192 key, 16384-bit exponent', csr: rsaCsrToVerify(1024, 2048) },
      { name: 'RSA 17000-bit key', csr: rsaCsrToVerify(2125, 3) },
      { name: '256 KiB of base64 as the CSR', csr: `-----BEGIN CERTIFICATE REQUEST-----\n${junkCsr}\n-----END CERTIFICATE REQUEST-----\n` },
      { name: '256 KiB of "-----BEGIN A-----"', csr: '-----BEGIN A-----'.repeat(Math.floor(BODY_LIMIT / 17) - 20) },
      { name: '256 KiB token (huge claims)', csr: goodCsr, ott: `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: provisioner.kid })).toString('base64url')}.${hugeClaims}.${'A'.repeat(86)}` },
      { name: 'notAfter "99999999999999h"', csr: goodCsr, extra: { notAfter: '99999999999999h' } },
      { name: 'token with 1,000 SANs (issued)', csr: rawCsr(), sans: ['svc.internal', ...Array.from({ length: 999 }, (_, i) => `n${i}.example`)] },
    ];

    console.log(`fedca hostile-input benchmark — node ${process.version}, ${new Date().toISOString().slice(0, 10)}, in-process (JSON.parse of the body + authority.sign), CPU µs per request`);
    const bigBody = JSON.stringify({ csr: junkCsr, ott: 'x' });
    const parseOnly = await cpuPerCall(async () => JSON.parse(bigBody));
    console.log(`one token verification (decode + ES256 verify): ${verification.toFixed(0)} µs; a whole good sign: ${fullSign.toFixed(0)} µs; JSON.parse of a 256 KiB body alone: ${parseOnly.toFixed(0)} µs\n`);
    console.log('| input | body KiB | junk token µs | × verification | valid token µs | × verification | valid-token answer |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    const a = authority;
    for (const c of cases) {
      const validTokens = mintTokens(provisioner, AUD, c.sans ? c.sans[0] : 'svc.internal', c.sans ? 2100 : 1, c.sans);
      const [junk] = c.ott ? [c.ott] : mintTokens(stranger, AUD, 'svc.internal', 1);
      const bodies = new Map<string, string>();
      const bodyOf = (ott: string): string => {
        let body = bodies.get(ott);
        if (body === undefined) bodies.set(ott, (body = JSON.stringify({ csr: c.csr, ott, ...c.extra })));
        return body;
      };
      for (const t of [junk, ...validTokens]) bodyOf(t);
      let answer = '';
      const request = (ott: string) => async (): Promise<void> => {
        const body = JSON.parse(bodyOf(ott)) as { csr: string; ott: string; notBefore?: string; notAfter?: string };
        try {
          await a.sign(body.csr, body.ott, { notBefore: body.notBefore, notAfter: body.notAfter });
          answer = '201';
        } catch (err) {
          answer = `${(err as { status?: number }).status ?? 500} ${(err as Error).message.slice(0, 60)}`;
        }
      };
      const junkCost = await cpuPerCall(request(junk));
      let i = 0;
      const validCost = c.ott ? undefined : await cpuPerCall(async () => request(validTokens[i++ % validTokens.length])());
      const kib = (Buffer.byteLength(bodyOf(junk)) / 1024).toFixed(0);
      const ratio = (us: number): string => `${(us / verification).toFixed(1)}×`;
      console.log(`| ${c.name} | ${kib} | ${junkCost.toFixed(0)} | ${ratio(junkCost)} | ${validCost === undefined ? '—' : validCost.toFixed(0)} | ${validCost === undefined ? '—' : ratio(validCost)} | ${c.ott ? '—' : answer} |`);
    }
  } finally {
    await authority?.store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
