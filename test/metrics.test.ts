import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { routeLabel } from '../src/server/metrics.js';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { opensslCsr } from './helpers/csr.js';
import { https } from './helpers/https.js';
import { closedPort } from './helpers/ports.js';
import { editConfig, initTestHome, startTestCa, type CaEndpoint, type TestCa, type TestHome } from './helpers/testCa.js';
import { until } from './helpers/wait.js';
import { provisionerKey, signToken } from './helpers/tokens.js';

/** GET http://127.0.0.1:PORT/PATH: status and text. */
function scrape(port: number, path = '/metrics'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, line: RegExp): number | undefined {
  const m = new RegExp(`^${line.source} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

describe('metrics', () => {
  it('label requests by route, with parameters named and unknown paths as "other"', () => {
    assert.equal(routeLabel('/1.0/sign'), '/sign');
    assert.equal(routeLabel('/health?x=1'), '/health');
    assert.equal(routeLabel('/root/abcdef'), '/root/{sha256}');
    assert.equal(routeLabel('/1.0/provisioners/kid-1/encrypted-key'), '/provisioners/{kid}/encrypted-key');
    assert.equal(routeLabel('/ocsp/MEUwQzBBMD8'), '/ocsp/{request}');
    assert.equal(routeLabel('/wp-admin/login.php'), 'other');
    assert.equal(routeLabel('/1.0/acme/acme/directory'), '/acme/{provisioner}/directory');
    assert.equal(routeLabel('/acme/any-name/challenge/abc/def'), '/acme/{provisioner}/challenge/{authz}/{id}');
    assert.equal(routeLabel('/acme/acme/order/abc/finalize'), '/acme/{provisioner}/order/{id}/finalize');
    assert.equal(routeLabel('/acme/acme/unknown'), 'other');
  });

  describe('fedca start with metricsAddress', () => {
    let home: TestHome;
    let ca: RunningCa | undefined;
    let metricsPort: number;
    beforeEach(async () => {
      metricsPort = await closedPort();
      home = await initTestHome();
      editConfig(home.home, (c) => (c.metricsAddress = `127.0.0.1:${metricsPort}`));
    });
    afterEach(async () => {
      await ca?.stop();
      rmSync(home.home, { recursive: true, force: true });
    });

    for (const workers of [1, 2]) {
      it(`serves Prometheus metrics with ${workers} worker(s): requests, latency, store calls, replays, CRL`, async function () {
        this.timeout(60_000);
        ca = await startFedca(['--home', home.home, '--password-file', home.passwordFile, '--workers', String(workers), '--quiet']);
        const endpoint: CaEndpoint = { ...home, url: ca.url, port: ca.port, rootPem: readFileSync(home.rootFile, 'utf8') };
        const p = await provisionerKey(endpoint);
        const ott = await signToken(endpoint, p, 'svc.internal');
        const csr = opensslCsr('P-256', 'svc.internal').csrPem;
        assert.equal((await https(endpoint, '/1.0/sign', { body: { csr, ott } })).status, 201);
        assert.equal((await https(endpoint, '/1.0/sign', { body: { csr, ott } })).status, 401);
        assert.equal((await https(endpoint, '/crl')).status, 200);
        const { status, text } = await scrape(metricsPort);
        assert.equal(status, 200, text);
        assert.equal(sample(text, /fedca_http_requests_total\{route="\/sign",method="POST",status="201"\}/), 1, text);
        assert.equal(sample(text, /fedca_http_requests_total\{route="\/sign",method="POST",status="401"\}/), 1);
        assert.equal(sample(text, /fedca_http_request_duration_seconds_count\{route="\/sign"\}/), 2);
        assert.equal(sample(text, /fedca_token_replays_total\{operation="recordIssuance"\}/), 1);
        assert.ok((sample(text, /fedca_store_operation_duration_seconds_count\{operation="recordIssuance",outcome="ok"\}/) ?? 0) >= 1);
        assert.equal(sample(text, /fedca_crl_entries/), 0);
        assert.ok((sample(text, /fedca_crl_age_seconds/) ?? -1) >= 0);
        assert.equal((await scrape(metricsPort, '/other')).status, 404);
      });
    }

    it("federation peers: each peer's sync age once it synced, and its failures", async function () {
      this.timeout(60_000);
      const peer: TestCa = await startTestCa({ name: 'Peer' });
      try {
        const down = `https://127.0.0.1:${await closedPort()}`;
        editConfig(home.home, (c) => (c.federation = { peers: [{ url: peer.url, fingerprint: peer.rootFingerprint }, { url: down, fingerprint: peer.rootFingerprint }], refresh: '1h', timeout: '2s' }));
        ca = await startFedca(['--home', home.home, '--password-file', home.passwordFile, '--workers', '1', '--quiet']);
        let text = '';
        await until(async () => {
          text = (await scrape(metricsPort)).text;
          return sample(text, new RegExp(`fedca_federation_peer_sync_failures\\{peer="${down}"\\}`)) === 1 && sample(text, new RegExp(`fedca_federation_peer_sync_age_seconds\\{peer="${peer.url}"\\}`)) !== undefined;
        }, 'both peers synced once');
        assert.equal(sample(text, new RegExp(`fedca_federation_peer_sync_failures\\{peer="${peer.url}"\\}`)), 0, text);
        assert.ok((sample(text, new RegExp(`fedca_federation_peer_sync_age_seconds\\{peer="${peer.url}"\\}`)) ?? -1) >= 0, text);
        assert.equal(sample(text, new RegExp(`fedca_federation_peer_sync_age_seconds\\{peer="${down}"\\}`)), undefined, 'a peer never synced has no age');
      } finally {
        await peer.stop();
      }
    });
  });
});
