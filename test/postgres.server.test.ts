import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { https } from './helpers/https.js';
import { opensslCsr } from './helpers/csr.js';
import { createTestSchema, requirePostgres, type TestSchema } from './helpers/postgres.js';
import { rowCount } from './helpers/storeCount.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcpProxy.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

/** The test schema's URL, reached through `proxy` instead of PostgreSQL's own port. */
function throughProxy(schema: TestSchema, proxy: TcpProxy): string {
  const url = new URL(schema.url);
  url.port = String(proxy.port);
  return url.href;
}

describe('a CA on PostgreSQL, and the database going away', function () {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let ca: TestCa;
  let p: ProvisionerKey;
  const csr = opensslCsr('P-256', 'svc.internal');

  before(async function () {
    await requirePostgres(this);
    schema = await createTestSchema();
    proxy = await startTcpProxy(Number(new URL(schema.url).port || 5432));
    ca = await startTestCa({ editConfig: (c) => (c.db = { type: 'postgresql', dataSource: throughProxy(schema, proxy) }) });
    p = await provisionerKey(ca);
  });
  after(async () => {
    await ca?.stop();
    await proxy?.stop();
    await schema?.drop();
  });

  const sign = async (): Promise<{ status: number; body: Record<string, unknown>; retryAfter?: string | string[] }> => {
    const res = await https(ca, '/1.0/sign', { body: { csr: csr.csrPem, ott: await signToken(ca, p, 'svc.internal') } });
    return { status: res.status, body: res.json(), retryAfter: res.headers['retry-after'] };
  };

  it('signs, and keeps every certificate in PostgreSQL', async () => {
    const res = await sign();
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const serial = BigInt('0x' + new X509Certificate(res.body.crt as string).serialNumber).toString(10);
    const row = await schema.query<{ common_name: string }>(`SELECT common_name FROM ${schema.name}.issued_certificates WHERE serial = $1`, [serial]);
    assert.equal(row.rows[0]?.common_name, 'svc.internal');
    assert.equal((await https(ca, '/health')).status, 200);
  });

  it('with the database unreachable: 503 with Retry-After where it is needed, publication still served; then it recovers by itself', async () => {
    const certificates = await rowCount(ca, 'certificates');
    await proxy.cut();
    try {
      const refused = await sign();
      assert.equal(refused.status, 503);
      assert.deepEqual(refused.body, { status: 503, code: 'ERR_UNAVAILABLE', message: 'store unavailable, retry' });
      assert.equal(refused.retryAfter, '1');
      const health = await https(ca, '/health');
      assert.equal(health.status, 503);
      assert.equal(health.headers['retry-after'], '1');
      assert.equal((await https(ca, '/crl')).status, 503);
      for (const path of ['/roots', '/federation', '/intermediates', '/provisioners', '/version']) assert.equal((await https(ca, path)).status, 200, path);
    } finally {
      await proxy.restore();
    }
    await until(async () => (await https(ca, '/health')).status === 200, 'the store to answer again');
    assert.equal((await sign()).status, 201);
    assert.equal(await rowCount(ca, 'certificates'), certificates + 1, 'the refused sign recorded a certificate');
  });
});
