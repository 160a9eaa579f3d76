import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'node:https';
import fc from 'fast-check';
import { parseCertificate } from '../src/pki/certificate.js';
import { buildOcspRequest } from '../src/pki/ocspClient.js';
import { pemDers } from '../src/pki/pem.js';
import { mutated } from './fuzz/targets.js';
import { opensslCsr } from './helpers/csr.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signClaims, signClaimsFor, signToken, type ProvisionerKey } from './helpers/tokens.js';

/** One request as the mutation test sends it. */
interface Probe {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

/** Values that have broken parsers before: dates that are no date, numbers that are no number, NUL, depth. */
const HOSTILE_VALUES: readonly unknown[] = [
  null, true, 0, -1, 1e308, 2 ** 53 + 1, {}, [], [[[[[[]]]]]], '', '\u0000', 'x'.repeat(5000), '9'.repeat(400),
  '2030-13-01T00:00:00Z', '2030-02-31T99:99:99Z', '99999999999999h', '-461h', '2000-01-01T00:00:00Z', 'exämple.internal', 'good.internal\u0100.evil.example',
];

const BODY_FIELDS = ['csr', 'ott', 'notBefore', 'notAfter', 'serial', 'reasonCode', 'reason', 'passive', 'templateData'];

/** A JSON body: the seed with fields replaced by hostile values, or its text mutated byte by byte. */
function mutatedJson(seed: Record<string, unknown>): fc.Arbitrary<Buffer> {
  const replaced = fc
    .dictionary(fc.constantFrom(...BODY_FIELDS), fc.constantFrom(...HOSTILE_VALUES), { maxKeys: 3 })
    .map((changes) => Buffer.from(JSON.stringify({ ...seed, ...changes })));
  return fc.oneof(replaced, mutated(Buffer.from(JSON.stringify(seed))));
}

/** Sends one probe over keep-alive HTTPS; resolves the status (0 when the connection failed). */
function send(ca: TestCa, agent: Agent, probe: Probe): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: ca.port, servername: 'localhost', path: probe.path, method: probe.method, agent, headers: { ...probe.headers, ...(probe.body ? { 'content-length': String(probe.body.length) } : {}) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.setTimeout(20_000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(probe.body);
  });
}

/** Issue 10: a seeded mutation test over /sign, /renew, /revoke and /ocsp bodies: no answer ≥ 500, and the server lives. */
describe('mutated requests (seeded)', function () {
  this.timeout(180_000);
  const SEED = 20261128;
  const PER_ENDPOINT = 700;
  let ca: TestCa;
  let p: ProvisionerKey;
  let agent: Agent;

  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
    agent = new Agent({ ca: ca.rootPem, keepAlive: true, maxSockets: 8 });
  });
  after(async () => {
    agent.destroy();
    await ca.stop();
  });

  it(`${PER_ENDPOINT} mutations each of /sign, /revoke, /renew and /ocsp (POST and GET) answer below 500`, async () => {
    const csr = opensslCsr('P-256', 'svc.internal', ['DNS:svc.internal']).csrPem;
    const signBody = { csr, ott: await signToken(ca, p, 'svc.internal'), notBefore: '', notAfter: '1h' };
    const revokeOtt = await signClaims(p.key, p.kid, signClaimsFor(ca, p, '12345', { aud: `${ca.url}/1.0/revoke`, sans: undefined }));
    const revokeBody = { serial: '12345', ott: revokeOtt, reasonCode: 1, reason: 'key compromise', passive: true };
    const intermediate = parseCertificate(pemDers(readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8'))[0]);
    const ocsp = buildOcspRequest(intermediate, [1n, 2n ** 120n], Buffer.alloc(16, 1));
    const json = { 'content-type': 'application/json' };

    const probes: fc.Arbitrary<Probe>[] = [
      mutatedJson(signBody).map((body) => ({ method: 'POST', path: '/1.0/sign', headers: json, body })),
      mutatedJson(revokeBody).map((body) => ({ method: 'POST', path: '/1.0/revoke', headers: json, body })),
      fc
        .tuple(mutated(Buffer.from(signBody.ott)), mutatedJson({}))
        .map(([token, body]) => ({ method: 'POST', path: '/1.0/renew', headers: { ...json, authorization: `Bearer ${token.toString('latin1').replace(/[^\x21-\x7e]/g, 'A')}` }, body })),
      mutated(ocsp).map((body) => ({ method: 'POST', path: '/1.0/ocsp', headers: { 'content-type': 'application/ocsp-request' }, body })),
      mutated(ocsp).map((der) => ({ method: 'GET', path: `/1.0/ocsp/${encodeURIComponent(der.toString('base64'))}`, headers: {} })),
    ];

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (const [i, arbitrary] of probes.entries()) {
      const inputs = fc.sample(arbitrary, { seed: SEED + i, numRuns: PER_ENDPOINT });
      // Eight at a time: enough to overlap, bounded by the list.
      for (let at = 0; at < inputs.length; at += 8) {
        const batch = inputs.slice(at, at + 8);
        const answers = await Promise.all(batch.map((probe) => send(ca, agent, probe)));
        answers.forEach((status, j) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500 || status === 0) failures.push(`${status} for ${batch[j].method} ${batch[j].path.slice(0, 60)} ${batch[j].body?.toString('latin1').slice(0, 200) ?? ''}`);
        });
      }
    }
    assert.deepEqual(failures, [], `seed ${SEED}: ${failures.length} answers were 5xx or none`);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, PER_ENDPOINT * probes.length);
    assert.equal(await send(ca, agent, { method: 'GET', path: '/health', headers: {} }), 200, 'the server still answers');
  });
});
