import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite.js';
import { https } from './helpers/https.js';
import { issueCertificate, revokeCertificate } from './helpers/issued.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, type ProvisionerKey } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

describe('GET /crl/changes: a long poll for CRL watchers', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
  });
  after(() => ca.stop());

  const revision = async (query = ''): Promise<string> => {
    const res = await https(ca, `/1.0/crl/changes${query}`);
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.headers['cache-control'], 'no-store');
    return res.json<{ revision: string }>().revision;
  };

  it('without since: the current revision at once', async () => {
    assert.match(await revision(), /^\d+$/);
  });

  it('a revocation through the API wakes a waiting poll with a new revision', async () => {
    const before = await revision();
    const issued = await issueCertificate(ca, p, 'watched-1');
    const polled = revision(`?since=${before}&wait=120`);
    await revokeCertificate(ca, p, issued.serial);
    assert.notEqual(await polled, before);
  });

  it('a revocation by another process on the same database wakes it too', async () => {
    const before = await revision();
    const issued = await issueCertificate(ca, p, 'watched-2');
    const polled = revision(`?since=${before}&wait=120`);
    const other = new SqliteStore(join(ca.home, 'db/fedca.sqlite'));
    try {
      await other.revoke({ serial: issued.serial, reasonCode: 1, reason: '', revokedAt: new Date(), notAfter: new Date(Date.now() + 3_600_000), provisioner: 'admin' });
    } finally {
      await other.close();
    }
    assert.notEqual(await polled, before);
  });

  it('nothing revoked: the same revision once the wait is over', async () => {
    const now = await revision();
    assert.equal(await revision(`?since=${now}&wait=1`), now);
  });

  it('refuses a since or wait that is not a non-negative integer, and a wait over 300 s (400, JSON)', async () => {
    for (const query of ['?since=abc', '?since=-1', '?since=1&wait=1.5', '?since=1&wait=301']) {
      const res = await https(ca, `/1.0/crl/changes${query}`);
      assert.equal(res.status, 400, query);
      assert.match(res.json<{ message: string }>().message, /"(since|wait)" must be/);
    }
  });

  it('a CA that publishes no CRL: 404', async () => {
    const noCrl = await startTestCa({ editConfig: (c) => (c.crl = { enabled: false }) });
    try {
      const res = await https(noCrl, '/1.0/crl/changes');
      assert.equal(res.status, 404);
      assert.match(res.json<{ message: string }>().message, /publishes no CRL/);
    } finally {
      await noCrl.stop();
    }
  });

  it('a stopping CA answers waiting polls rather than hold its shutdown', async () => {
    const other = await startTestCa();
    const now = (await https(other, '/1.0/crl/changes')).json<{ revision: string }>().revision;
    const polled = https(other, `/1.0/crl/changes?since=${now}&wait=300`);
    await until(() => other.authority.crlChanges.watching === 1, 'the poll to wait at the CA');
    await other.stop();
    const res = await polled;
    assert.equal(res.status, 200);
    assert.equal(res.json<{ revision: string }>().revision, now);
  });
});
