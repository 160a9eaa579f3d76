import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type ConnectionOptions, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { https } from './helpers/https.js';
import { miniPki } from './helpers/miniPki.js';
import { eventually } from './helpers/wait.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

const DNS_NAMES = ['localhost', '127.0.0.1', 'ca.fedca.test', '::1'];

/** Opens a TLS connection to 127.0.0.1:port; resolves the socket once the handshake is done. */
function handshake(port: number, options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** TLS 1.1 client options (OpenSSL 3 only offers TLS 1.1 at security level 0). */
const TLS11: ConnectionOptions = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false };

describe('the TLS the CA serves', () => {
  let ca: TestCa;
  before(async () => {
    ca = await startTestCa({ dnsNames: DNS_NAMES });
  });
  after(async () => ca?.stop());

  it('presents a certificate that chains to the root and names every dnsName', async () => {
    const socket = await handshake(ca.port, { ca: ca.rootPem, servername: 'localhost' });
    try {
      assert.equal(socket.authorized, true, String(socket.authorizationError));
      const leaf = socket.getPeerCertificate(true);
      const sans = (leaf.subjectaltname ?? '').split(', ').sort();
      assert.deepEqual(sans, ['DNS:ca.fedca.test', 'DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort());
      const chain: DetailedPeerCertificate[] = [];
      for (let c: DetailedPeerCertificate | undefined = leaf; c && !chain.includes(c); c = c.issuerCertificate) chain.push(c);
      const [leafX, intermediateX, rootX] = chain.map((c) => new X509Certificate(c.raw));
      assert.equal(chain.length, 3, 'expected leaf, intermediate, root');
      assert.equal(rootX.raw.equals(new X509Certificate(ca.rootPem).raw), true);
      assert.ok(leafX.verify(intermediateX.publicKey), 'the leaf is not signed by the intermediate');
      assert.ok(intermediateX.verify(rootX.publicKey), 'the intermediate is not signed by the root');
      assert.equal(leafX.ca, false);
    } finally {
      socket.destroy();
    }
  });

  it('passes hostname checks for a DNS name and for an IP address', async () => {
    for (const servername of ['localhost', 'ca.fedca.test']) {
      const socket = await handshake(ca.port, { ca: ca.rootPem, servername });
      socket.destroy();
    }
    const byIp = await handshake(ca.port, { ca: ca.rootPem });
    byIp.destroy();
    await assert.rejects(handshake(ca.port, { ca: ca.rootPem, servername: 'not-a-name.fedca.test' }), /altnames|Hostname/i);
  });

  it('speaks TLS 1.2 and TLS 1.3', async () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const socket = await handshake(ca.port, { ca: ca.rootPem, minVersion: version, maxVersion: version });
      assert.equal(socket.getProtocol(), version);
      socket.destroy();
    }
  });

  it('refuses TLS 1.1', async () => {
    // The same client options do get TLS 1.1 from a server that allows it, so the refusal is the CA's.
    const own = ca.server.certificate();
    assert.ok(own);
    const lenient = createServer({ key: own.keyPem, cert: own.chainPem, minVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((resolve) => lenient.listen(0, '127.0.0.1', resolve));
    try {
      const ok = await handshake((lenient.address() as AddressInfo).port, TLS11);
      assert.equal(ok.getProtocol(), 'TLSv1.1');
      ok.destroy();
    } finally {
      lenient.close();
    }
    await assert.rejects(handshake(ca.port, TLS11), /protocol|version/i);
  });

  it('asks for a client certificate but does not require one', async () => {
    assert.equal((await https(ca, '/health')).status, 200);
    const before = ca.logLines.length;
    // Any certificate will do: the server asks for one but leaves checking it to the endpoints that need it.
    const client = miniPki('Client Issuer').serverIdentity(['device-42']);
    assert.equal((await https(ca, '/health', { cert: client.chainPem, key: client.keyPem })).status, 200);
    // The client only sends its certificate when the server asks for one; the access log shows it arrived.
    const line = await eventually(() => ca.logLines.slice(before).find((l) => l.includes('device-42')));
    assert.match(JSON.parse(line).clientSubject as string, /CN=device-42/);
  });
});
