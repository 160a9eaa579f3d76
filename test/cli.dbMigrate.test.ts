import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { assertOneLineError, assertSucceeded, fedca } from './helpers/cli.js';
import { https } from './helpers/https.js';
import { issueCertificate, revokeCertificate, type IssuedCertificate } from './helpers/issued.js';
import { createTestSchema, requirePostgres, type TestSchema } from './helpers/postgres.js';
import { initTestHome, startTestCa, type TestHome } from './helpers/testCa.js';
import { provisionerKey } from './helpers/tokens.js';

describe('fedca db migrate: a SQLite CA moves to PostgreSQL', function () {
  this.timeout(60_000);
  let schema: TestSchema;
  let home: TestHome;
  let kept: IssuedCertificate;
  let revoked: IssuedCertificate;
  let crlBefore: Buffer;

  before(async function () {
    await requirePostgres(this);
    schema = await createTestSchema();
    home = await initTestHome();
    const ca = await startTestCa({ home });
    const p = await provisionerKey(ca);
    kept = await issueCertificate(ca, p, 'kept.internal');
    revoked = await issueCertificate(ca, p, 'revoked.internal');
    await revokeCertificate(ca, p, revoked.serial);
    const crl = await https(ca, '/crl');
    assert.equal(crl.status, 200);
    crlBefore = crl.body;
    await ca.server.stop();
  });
  after(async () => {
    if (home) rmSync(home.home, { recursive: true, force: true });
    await schema?.drop();
  });

  const sqlite = (): string => `sqlite:${join(home.home, 'db/fedca.sqlite')}`;

  it('copies everything, verifies the counts and switches ca.json; the CA then serves the same CRL and refuses the same renewals', async () => {
    const run = await fedca(['db', 'migrate', '--from', sqlite(), '--to', schema.url, '--home', home.home]);
    assertSucceeded(run);
    // Two signed, and the CA's own TLS certificate; three tokens: two sign, one revoke.
    assert.match(run.stdout, /certificates: +3\n {2}revocations: +1\n {2}used token ids: +3\n {2}CRL number: +1/);
    assert.deepEqual(loadConfig(home.home).db, { type: 'postgresql', dataSource: schema.url });

    const ca = await startTestCa({ home });
    try {
      const crl = await https(ca, '/crl');
      assert.ok(crl.body.equals(crlBefore), 'the PostgreSQL-backed CA serves another CRL');
      const chain = (c: IssuedCertificate): string => c.certPem + readFileSync(join(home.home, 'pki/intermediate_ca.crt'), 'utf8');
      const refused = await https(ca, '/1.0/renew', { method: 'POST', cert: chain(revoked), key: revoked.keyPem });
      assert.equal(refused.status, 401, refused.body.toString());
      assert.match(refused.body.toString(), /certificate has been revoked/);
      const renewed = await https(ca, '/1.0/renew', { method: 'POST', cert: chain(kept), key: kept.keyPem });
      assert.equal(renewed.status, 201, renewed.body.toString());
    } finally {
      await ca.server.stop();
    }
  });

  it('refuses a target that is not empty, with one line', async () => {
    assertOneLineError(await fedca(['db', 'migrate', '--from', sqlite(), '--to', schema.url]), /already holds .* it must be empty/);
  });

  it('refuses a source that does not exist, with one line, creating nothing', async () => {
    assertOneLineError(await fedca(['db', 'migrate', '--from', `sqlite:${join(home.home, 'db/none.sqlite')}`, '--to', schema.url]), /no SQLite store at/);
  });
});
