import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { loadAuthority } from '../src/home/load.js';
import { loadConfig } from '../src/config/load.js';
import { nextRenewal } from '../src/sdk/renewalSchedule.js';
import { CaServer } from '../src/server/server.js';
import { https } from './helpers/https.js';
import { opensslCsr } from './helpers/csr.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken } from './helpers/tokens.js';

/** The serial of the certificate the server presents on a new connection. */
function servedSerial(ca: TestCa): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: ca.port, servername: 'localhost', ca: ca.rootPem }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('the CA server over time', () => {
  it('renews its own TLS certificate while serving, with no failed request', async function () {
    this.timeout(20_000);
    const renewals: Date[] = [];
    const ca = await startTestCa({ server: { serverCertLifetimeMs: 3_000, onRenewed: (c) => renewals.push(c.notAfter) } });
    try {
      const serials = new Set<string>();
      let failures = 0;
      let requests = 0;
      const until = Date.now() + 5_000;
      while (Date.now() < until) {
        const [res, serial] = await Promise.all([https(ca, '/health'), servedSerial(ca)]);
        requests++;
        if (res.status !== 200) failures++;
        serials.add(serial);
      }
      assert.ok(renewals.length >= 2, `renewed ${renewals.length} times`);
      assert.ok(serials.size >= 2, `served ${serials.size} distinct certificates`);
      assert.ok(requests > 20);
      assert.equal(failures, 0);
    } finally {
      await ca.stop();
    }
  });

  it("schedules the renewal of its certificate by the certificate's own times (whole seconds), before it expires", async () => {
    const ca = await startTestCa();
    try {
      // Issued 999 ms into a second: a notAfter kept to the millisecond outlived the DER's by 999 ms,
      // and a 3 s certificate was renewed up to 74 ms after it had expired.
      const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 999);
      const { certificate } = ca.authority.issueServerCertificate(['localhost'], 3_000, now);
      const der = new X509Certificate(certificate.chainPem);
      assert.equal(certificate.notAfter.getTime(), new Date(der.validTo).getTime());
      assert.equal(certificate.notBefore.getTime(), new Date(der.validFrom).getTime());
      const latest = nextRenewal({ ...certificate, receivedAt: now }, undefined, () => 1 - Number.EPSILON);
      assert.ok(latest.getTime() < new Date(der.validTo).getTime(), `renewal at ${latest.toISOString()}, expiry ${der.validTo}`);
    } finally {
      await ca.stop();
    }
  });

  it('keeps its CRL number across a restart', async () => {
    const ca = await startTestCa();
    try {
      const p = await provisionerKey(ca);
      const crlNumber = async (port: number): Promise<bigint> => {
        const res = await https({ ...ca, port }, '/crl');
        return BigInt(execFileSync('openssl', ['crl', '-inform', 'DER', '-noout', '-crlnumber'], { input: res.body }).toString().split('=')[1].trim());
      };
      const { csrPem } = opensslCsr('P-256', 'restart.internal');
      const signed = await https(ca, '/sign', { body: { csr: csrPem, ott: await signToken(ca, p, 'restart.internal') } });
      const serial = BigInt('0x' + new (await import('node:crypto')).X509Certificate(signed.json<{ crt: string }>().crt).serialNumber).toString(10);
      const revoked = await https(ca, '/revoke', { body: { serial, ott: await signToken(ca, p, serial, { aud: `${ca.url}/1.0/revoke` }), passive: true } });
      assert.equal(revoked.status, 200);
      const before = await crlNumber(ca.port);
      await ca.server.stop();

      const config = loadConfig(ca.home);
      const authority = await loadAuthority(ca.home, config, ca.password);
      const server = new CaServer(authority, { address: '127.0.0.1:0', dnsNames: config.dnsNames });
      const port = await server.start();
      try {
        assert.equal(await crlNumber(port), before, 'the same CRL is served after the restart');
        const other = await https({ ...ca, port }, '/sign', { body: { csr: csrPem, ott: await signToken({ ...ca, url: `https://localhost:${port}` }, p, 'restart.internal') } });
        const serial2 = BigInt('0x' + new (await import('node:crypto')).X509Certificate(other.json<{ crt: string }>().crt).serialNumber).toString(10);
        await authority.revoke({ serial: serial2, reasonCode: 0, reason: '', ott: await signToken(ca, p, serial2, { aud: `${ca.url}/1.0/revoke` }) });
        assert.equal(await crlNumber(port), before + 1n);
      } finally {
        await server.stop();
      }
    } finally {
      await ca.stop().catch(() => undefined);
    }
  });
});
