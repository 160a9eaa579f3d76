import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KEEP_ANSWER_MS, OcspResponder } from '../src/authority/ocspResponder.js';
import { createIssuer, type Issuer } from '../src/pki/issuer.js';
import { issueIntermediate, issueRoot } from '../src/pki/issueCertificate.js';
import { generateKey } from '../src/pki/keys.js';
import type { CertStatus } from '../src/pki/ocsp.js';
import { answerFor, buildOcspRequest, nonceValue, parseOcspResponse } from '../src/pki/ocspClient.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { IssuedCertificate, Store } from '../src/store/store.js';
import { tempDir } from './helpers/testCa.js';

const DAY = 86_400_000;

const certificate = (serial: string): IssuedCertificate => ({
  serial,
  der: randomBytes(64),
  commonName: `${serial}.internal`,
  notBefore: new Date(Date.now() - DAY),
  notAfter: new Date(Date.now() + DAY),
  provisioner: 'admin',
});

/** Counts the store's status reads (revocation, certificate) while passing every call through. */
function countingStatusReads(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'revocation' || name === 'certificate') reads++;
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, reads: () => reads };
}

describe('authority/ocspResponder: answers and statuses are kept until a revocation', () => {
  const rootKey = generateKey({ kty: 'EC' });
  const root = issueRoot('Ocsp Co', rootKey);
  const intermediateKey = generateKey({ kty: 'EC' });
  const intermediate: Issuer = createIssuer(issueIntermediate('Ocsp Co', intermediateKey, createIssuer(root, rootKey)), intermediateKey);
  let dir: string;
  let stores: SqliteStore[];
  let responder: OcspResponder;
  /** Another handle on the same database: another worker or replica. */
  let other: SqliteStore;

  const open = (): SqliteStore => {
    const s = new SqliteStore(join(dir, 'fedca.sqlite'));
    stores.push(s);
    return s;
  };
  beforeEach(async () => {
    dir = tempDir();
    stores = [];
    responder = new OcspResponder(open(), intermediate);
    other = open();
    await other.storeCertificate(certificate('1001'));
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = async (serial: bigint, now: Date, nonce?: Buffer): Promise<{ der: Buffer; maxAgeSeconds: number; status?: CertStatus; nonce?: Buffer }> => {
    const answer = await responder.respond(buildOcspRequest(intermediate.certificate, [serial], nonce), now);
    const basic = parseOcspResponse(answer.der).basic;
    return { ...answer, status: basic && answerFor(basic, intermediate.certificate, serial), nonce: basic?.nonce };
  };

  it('serves the same signed answer again within KEEP_ANSWER_MS, its max-age counting down', async () => {
    const t0 = new Date();
    const first = await ask(1001n, t0);
    assert.equal(first.status?.kind, 'good');
    assert.equal(first.maxAgeSeconds, KEEP_ANSWER_MS / 1000);
    const again = await ask(1001n, new Date(t0.getTime() + 10_000));
    assert.ok(again.der.equals(first.der), 'the answer was signed afresh');
    assert.equal(again.maxAgeSeconds, KEEP_ANSWER_MS / 1000 - 10);
    const later = await ask(1001n, new Date(t0.getTime() + KEEP_ANSWER_MS + 1000));
    assert.ok(!later.der.equals(first.der), 'an answer past KEEP_ANSWER_MS was served again');
    assert.equal(later.status?.kind, 'good');
  });

  it('a revocation by another worker or replica is answered revoked at once', async () => {
    const t0 = new Date();
    assert.equal((await ask(1001n, t0)).status?.kind, 'good');
    await other.revoke({ serial: '1001', reasonCode: 1, reason: 'key compromise', revokedAt: t0, notAfter: new Date(t0.getTime() + DAY), provisioner: 'admin' });
    const after = await ask(1001n, new Date(t0.getTime() + 1000));
    assert.equal(after.status?.kind, 'revoked');
  });

  it('an unknown serial is not kept: once issued, it is answered good at once', async () => {
    const t0 = new Date();
    assert.equal((await ask(2002n, t0)).status?.kind, 'unknown');
    await other.storeCertificate(certificate('2002'));
    assert.equal((await ask(2002n, new Date(t0.getTime() + 1000))).status?.kind, 'good');
  });

  it('a request with a nonce is signed for that request every time, the nonce echoed', async () => {
    const t0 = new Date();
    const [a, b] = [randomBytes(16), randomBytes(16)];
    const first = await ask(1001n, t0, a);
    const second = await ask(1001n, t0, b);
    assert.ok(first.nonce?.equals(nonceValue(a)));
    assert.ok(second.nonce?.equals(nonceValue(b)));
    assert.equal(first.maxAgeSeconds, 0);
    assert.equal(second.status?.kind, 'good');
  });

  it('a request with a nonce reuses a status read under the same revocation count: no store read of it', async () => {
    const counting = countingStatusReads(stores[0]);
    responder = new OcspResponder(counting.store, intermediate);
    const t0 = new Date();
    assert.equal((await ask(1001n, t0, randomBytes(16))).status?.kind, 'good');
    const readsAfterFirst = counting.reads();
    assert.ok(readsAfterFirst > 0);
    const again = await ask(1001n, t0, randomBytes(16));
    assert.equal(again.status?.kind, 'good');
    assert.equal(counting.reads(), readsAfterFirst, 'the status was read from the store again');
  });

  it('a request with a nonce sees a revocation by another worker or replica at once', async () => {
    const t0 = new Date();
    assert.equal((await ask(1001n, t0, randomBytes(16))).status?.kind, 'good');
    const revokedAt = new Date(Math.floor(t0.getTime() / 1000) * 1000);
    await other.revoke({ serial: '1001', reasonCode: 4, reason: 'superseded', revokedAt, notAfter: new Date(t0.getTime() + DAY), provisioner: 'admin' });
    const after = await ask(1001n, t0, randomBytes(16));
    assert.deepEqual(after.status, { kind: 'revoked', revokedAt, reasonCode: 4 });
  });

  it('a request with a nonce for an unknown serial reads it again: once issued, it is answered good', async () => {
    const t0 = new Date();
    assert.equal((await ask(2002n, t0, randomBytes(16))).status?.kind, 'unknown');
    await other.storeCertificate(certificate('2002'));
    assert.equal((await ask(2002n, t0, randomBytes(16))).status?.kind, 'good');
  });
});
