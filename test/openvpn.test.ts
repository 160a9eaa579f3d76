import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertSucceeded, fedca } from './helpers/cli.js';
import { https } from './helpers/https.js';
import { clientLines, HANDSHAKE_MS, INITIALIZED, requireOpenvpn, startOpenvpnClient, startOpenvpnServer, stopAllOpenvpn, type OpenvpnServer } from './helpers/openvpn.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken } from './helpers/tokens.js';

/** The certificate inlined in a .ovpn profile. */
const profileCertificate = (file: string): X509Certificate => new X509Certificate(/<cert>\n([\s\S]*?)<\/cert>/.exec(readFileSync(file, 'utf8'))?.[1] ?? '');

describe('real OpenVPN with fedca as its PKI', function () {
  let ca: TestCa;
  let dir: string;
  let serverDir: string;
  let server: OpenvpnServer;
  const caFlags = (): string[] => ['--ca-url', ca.url, '--root', ca.rootFile, '--password-file', ca.passwordFile];
  const exportClient = async (name: string, ...extra: string[]): Promise<string> => {
    const out = join(dir, `${name}.ovpn`);
    assertSucceeded(await fedca(['export', 'openvpn-client', name, '--remote', `127.0.0.1:${server.port}`, '--out', out, ...extra, ...caFlags()]));
    return out;
  };

  before(async function () {
    await requireOpenvpn(this);
    ca = await startTestCa();
    dir = tempDir('fedca-openvpn-');
    serverDir = join(dir, 'server');
    assertSucceeded(await fedca(['export', 'openvpn-server', 'vpn.test', '--out', serverDir, ...caFlags()]));
    server = await startOpenvpnServer({ cwd: serverDir, include: 'server.conf' });
  });
  after(async () => {
    await stopAllOpenvpn();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (ca) await ca.stop();
  });

  it('the .ovpn of export openvpn-client connects as is (with the server of export openvpn-server)', async () => {
    const profile = await exportClient('client-a');
    const client = startOpenvpnClient({ cwd: dir, profile });
    await client.waitFor(INITIALIZED);
    assert.ok(server.logged(/VERIFY OK: depth=0, CN=client-a/), 'the server verified client-a');
    await client.stop();
  });

  it('a server-locked profile connects with the certificate and key of its PKCS#12 file', async () => {
    const passwordFile = join(dir, 'p12-password');
    writeFileSync(passwordFile, 'correct horse\n', { mode: 0o600 });
    const profile = await exportClient('client-locked', '--server-locked', '--p12-password-file', passwordFile);
    assert.doesNotMatch(readFileSync(profile, 'utf8'), /<cert>|<key>/);
    const client = startOpenvpnClient({ cwd: dir, profile, args: ['--pkcs12', join(dir, 'client-locked.p12'), '--askpass', passwordFile] });
    await client.waitFor(INITIALIZED);
    await client.stop();
  });

  // OpenSSL's own purpose check (a TLS server verifies client certificates for clientAuth) refuses it
  // even before remote-cert-tls client's EKU check would; either refusal is the server's.
  it('a client presenting a serverAuth-only certificate is refused (remote-cert-tls client)', async () => {
    const crt = join(dir, 'rogue.crt');
    const key = join(dir, 'rogue.key');
    assertSucceeded(await fedca(['certificate', 'rogue', crt, key, '--profile', 'openvpn-server', ...caFlags()]));
    const from = server.mark();
    const client = startOpenvpnClient({ cwd: dir, lines: clientLines(server, { ca: join(serverDir, 'ca.crt'), cert: crt, key }) });
    await server.waitFor(/VERIFY ERROR: depth=0, error=unsuitable certificate purpose: CN=rogue|VERIFY EKU ERROR/, HANDSHAKE_MS, from);
    assert.ok(!client.logged(INITIALIZED), 'the rogue client never completed');
    await client.stop();
  });

  it('a revoked client is refused on its next connection once the CRL is re-exported', async () => {
    const profile = await exportClient('client-b');
    const first = startOpenvpnClient({ cwd: dir, profile });
    await first.waitFor(INITIALIZED);
    await first.stop();

    const serial = BigInt('0x' + profileCertificate(profile).serialNumber).toString(10);
    const ott = await signToken(ca, await provisionerKey(ca), serial, { aud: `${ca.url}/1.0/revoke`, sans: undefined });
    const revoked = await https(ca, '/1.0/revoke', { body: { serial, ott, reasonCode: 1, reason: 'laptop lost', passive: true } });
    assert.equal(revoked.status, 200, revoked.body.toString());
    const crl = await https(ca, '/1.0/crl?pem=true');
    assert.equal(crl.status, 200);
    writeFileSync(join(serverDir, 'crl.pem'), crl.body);

    const from = server.mark();
    const second = startOpenvpnClient({ cwd: dir, profile });
    await server.waitFor(/VERIFY ERROR: depth=0, error=certificate revoked: CN=client-b/, HANDSHAKE_MS, from);
    assert.ok(!second.logged(INITIALIZED), 'the revoked client never completed');
    await second.stop();
  });
});
