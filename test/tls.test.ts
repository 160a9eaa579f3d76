import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect, createServer, type ConnectionOptions, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { https } from './helpers/https.js';
import { miniPki } from './helpers/miniPki.js';
import { eventually } from './helpers/wait.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { exec } from './helpers/exec.js';
import { parseTls } from '../src/config/tls.js';

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

  it('names the CA\'s root and intermediate as acceptable client CAs, as step-ca does', async () => {
    const out = await exec('openssl', ['s_client', '-connect', `127.0.0.1:${ca.port}`, '-servername', 'localhost'], { input: '' });
    const names = out.stdout.split('Acceptable client certificate CA names')[1] ?? '';
    const root = new X509Certificate(ca.rootPem);
    const intermediate = new X509Certificate(ca.authority.intermediates()[0]);
    const cn = (subject: string): string => /CN=([^\n,]+)/.exec(subject)?.[1] ?? subject;
    assert.match(names, new RegExp(`CN *= *${cn(root.subject)}\\n`), 'root listed');
    assert.match(names, new RegExp(`CN *= *${cn(intermediate.subject)}\\n`), 'intermediate listed');
  });
});

describe('the tls block of ca.json (step-ca\'s names)', () => {
  let ca: TestCa;
  before(async () => {
    const tls = parseTls({ cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'], minVersion: 1.2, maxVersion: 1.2, renegotiation: false });
    ca = await startTestCa({ server: { tls } });
  });
  after(async () => ca?.stop());

  it('offers only the listed cipher suites and versions', async () => {
    const socket = await handshake(ca.port, { ca: ca.rootPem, servername: 'localhost' });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    assert.equal(socket.getCipher().name, 'ECDHE-ECDSA-AES128-GCM-SHA256');
    socket.destroy();
    await assert.rejects(handshake(ca.port, { ca: ca.rootPem, servername: 'localhost', minVersion: 'TLSv1.3' }), /protocol|version/i);
    await assert.rejects(handshake(ca.port, { ca: ca.rootPem, servername: 'localhost', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }), /cipher|handshake/i);
  });

  it('refuses a client\'s renegotiation', async () => {
    const socket = await handshake(ca.port, { ca: ca.rootPem, servername: 'localhost' });
    try {
      const err = await new Promise<Error | null>((resolve) => {
        socket.once('error', resolve);
        socket.renegotiate({}, (e) => resolve(e ?? null));
      });
      assert.ok(err, 'renegotiation must fail');
    } finally {
      socket.destroy();
    }
  });

  it('reads step-ca\'s values and names what is wrong', () => {
    assert.deepEqual(parseTls(null), parseTls(undefined));
    assert.equal(parseTls({ minVersion: 1.3 }).minVersion, 'TLSv1.3');
    assert.throws(() => parseTls({ cipherSuites: ['TLS_FOO'] }), /unknown or unsupported cipher suite "TLS_FOO"/);
    assert.throws(() => parseTls({ minVersion: 1.1 }), /not offered/);
    assert.throws(() => parseTls({ minVersion: 1.3, maxVersion: 1.2 }), /above/);
    assert.throws(() => parseTls({ renegotiation: 'no' }), /true or false/);
  });
});
