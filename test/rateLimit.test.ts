import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { TokenBuckets } from '../src/server/tokenBuckets.js';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { opensslCsr } from './helpers/csr.js';
import { assertJsonError, get, post } from './helpers/http.js';
import { initTestHome, startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

describe('rate limits (rateLimit in ca.json): 429 with Retry-After', () => {
  describe('token buckets', () => {
    it('allow `burst` at once, then one every per/requests, and say how long to wait', () => {
      const buckets = new TokenBuckets({ requests: 10, per: '10s', burst: 3 });
      assert.deepEqual([0, 0, 0].map(() => buckets.take('a', 0)), [0, 0, 0]);
      assert.equal(buckets.take('a', 0), 1000, 'one token a second');
      assert.equal(buckets.take('b', 0), 0, 'every key has its own bucket');
      assert.equal(buckets.take('a', 400), 600);
      assert.equal(buckets.take('a', 1000), 0);
      assert.equal(buckets.take('a', 60_000), 0, 'refilled, but never beyond burst');
      assert.equal(buckets.take('a', 60_000), 0);
      assert.equal(buckets.take('a', 60_000), 0);
      assert.equal(buckets.take('a', 60_000), 1000);
    });

    it('memory stays bounded when many keys drain their buckets', () => {
      const buckets = new TokenBuckets({ requests: 1, per: '1h', burst: 1 });
      for (let i = 0; i < 50_000; i++) buckets.take(`10.0.${i >> 8}.${i & 255}`, 0);
      assert.equal(buckets.take('10.0.195.79', 0), 1000 * 3600, 'the newest keys are still limited');
    });
  });

  describe('in one process', () => {
    let ca: TestCa;
    afterEach(async () => ca.stop());

    it('per client address: past the bucket, 429 with the JSON error and Retry-After; /health is never limited', async () => {
      ca = await startTestCa({ editConfig: (c) => (c.rateLimit = { perAddress: { requests: 3, per: '1h' } }) });
      for (let i = 0; i < 3; i++) assert.equal((await get(ca, '/version')).status, 200);
      const refused = await get(ca, '/roots');
      assertJsonError(refused, 429, /^too many requests from 127\.0\.0\.1; retry in 1200 s$/);
      assert.equal(refused.headers['retry-after'], '1200');
      const sign = await post(ca, '/1.0/sign', JSON.stringify({ csr: '', ott: '' }));
      assertJsonError(sign, 429, /^too many requests from 127\.0\.0\.1/);
      for (let i = 0; i < 5; i++) assert.equal((await get(ca, '/health')).status, 200);
    });

    it('per provisioner: counts signs with a valid token only, and a refused request burns no token', async () => {
      ca = await startTestCa({ editConfig: (c) => (c.rateLimit = { perProvisioner: { requests: 2, per: '2s' } }) });
      const p = await provisionerKey(ca);
      const { csrPem } = opensslCsr('P-256', 'svc.internal', ['DNS:svc.internal']);
      for (let i = 0; i < 3; i++) assertJsonError(await post(ca, '/sign', JSON.stringify({ csr: csrPem, ott: 'not.a.token' })), 401);
      for (let i = 0; i < 2; i++) assert.equal((await post(ca, '/sign', JSON.stringify({ csr: csrPem, ott: await signToken(ca, p, 'svc.internal') }))).status, 201);
      const ott = await signToken(ca, p, 'svc.internal');
      const refused = await post(ca, '/sign', JSON.stringify({ csr: csrPem, ott }));
      assertJsonError(refused, 429, /^too many requests for provisioner "admin"; retry in 1 s$/);
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal((await get(ca, '/version')).status, 200, 'other routes are not limited by provisioner');
      // The same token works once the bucket refills: the 429 did not burn it.
      let status = 0;
      await until(async () => (status = (await post(ca, '/sign', JSON.stringify({ csr: csrPem, ott }))).status) !== 429, 'the bucket to refill');
      assert.equal(status, 201);
    });
  });

  describe('across the workers of one fedca start', () => {
    let running: RunningCa | undefined;
    let home: string;
    after(async () => {
      await running?.stop('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    });

    it('the primary holds the buckets: 2 workers admit the limit once, not once each', async () => {
      const test = await initTestHome({ editConfig: (c) => (c.rateLimit = { perAddress: { requests: 4, per: '1h' } }) });
      home = test.home;
      running = await startFedca(['--home', home, '--password-file', test.passwordFile, '--workers', '2', '--quiet']);
      const rootPem = readFileSync(join(home, 'pki/root_ca.crt'), 'utf8');
      // A new connection each time, so the kernel spreads them over both workers.
      const status = (): Promise<number> =>
        new Promise((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: running?.port, servername: 'localhost', path: '/version', ca: rootPem, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push(await status());
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429, 429, 429]);
    });
  });
});
