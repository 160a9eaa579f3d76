import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readRoot } from '../src/pki/der.js';
import { parseCrl } from '../src/pki/readCrl.js';
import { https } from './helpers/https.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

const ENTRIES = 200_000;

/** Issue 10: a CRL is built by no code path that spreads or recurses over the revocations. */
describe('a CRL of 200,000 revocations', function () {
  this.timeout(120_000);
  let ca: TestCa;

  before(async () => {
    ca = await startTestCa();
    // Straight into the store: 200,000 revocations through the API would be the slow part of this test.
    const db = new Database(join(ca.home, 'db/fedca.sqlite'));
    try {
      const insert = db.prepare('INSERT INTO revoked_certificates (serial, reason_code, reason, revoked_at, not_after, provisioner) VALUES (?, ?, ?, ?, ?, ?)');
      const now = Date.now();
      db.transaction(() => {
        for (let i = 0; i < ENTRIES; i++) insert.run(String(10n ** 30n + BigInt(i)), i % 3 === 0 ? 1 : 0, '', now - 60_000, now + 86_400_000, 'admin');
        db.prepare('UPDATE crl_state SET revocation_seq = revocation_seq + 1 WHERE id = 1').run();
      })();
    } finally {
      db.close();
    }
  });
  after(async () => ca.stop());

  it('is built, verifies with openssl crl, lists every entry, and is served by GET /crl', async () => {
    const res = await https(ca, '/1.0/crl');
    assert.equal(res.status, 200, res.body.toString().slice(0, 200));
    assert.equal(res.headers['content-type'], 'application/pkix-crl');
    const der = res.body;
    const crlFile = join(ca.home, 'big.crl');
    const chainFile = join(ca.home, 'chain.pem');
    writeFileSync(crlFile, der);
    writeFileSync(chainFile, readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8') + ca.rootPem);
    // openssl 3 says "verify OK" on stderr, and exits 1 when the signature does not verify.
    const check = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-CAfile', chainFile, '-noout'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stderr + check.stdout, /verify OK/);
    // parseCrl bounds its element count by the CRL's size; the defaults for any other DER refuse it.
    assert.equal(parseCrl(der).entries.length, ENTRIES);
    assert.throws(() => readRoot(der), /more than 10000 elements/);
    const pem = await https(ca, '/crl?pem=true');
    assert.equal(pem.status, 200);
    assert.match(pem.body.toString(), /^-----BEGIN X509 CRL-----/);
  });
});
