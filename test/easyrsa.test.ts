import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pemDers } from '../src/pki/pem.js';
import { assertOneLineError, assertSucceeded, fedca } from './helpers/cli.js';
import { exec } from './helpers/exec.js';
import { easyrsa, requireEasyRsa } from './helpers/easyRsa.js';
import { https } from './helpers/https.js';
import { clientLines, HANDSHAKE_MS, INITIALIZED, requireOpenvpn, startOpenvpnClient, startOpenvpnServer, stopAllOpenvpn } from './helpers/openvpn.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

/** The serials (upper-case hex) a CRL lists, as openssl reads them. */
async function crlSerials(crlFile: string): Promise<string[]> {
  const run = await exec('openssl', ['crl', '-in', crlFile, '-noout', '-text']);
  assert.equal(run.status, 0, run.stderr);
  return [...run.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1].replace(/^0+/, '')).sort();
}

const decimalSerial = (x509: X509Certificate): string => BigInt('0x' + x509.serialNumber).toString(10);

describe('moving off easy-rsa: fedca init --from-easyrsa', function () {
  const password = 'fedca-password';
  let dir: string;
  let pki: string;
  let home: string;
  let passwordFile: string;
  let ca: TestCa | undefined;
  const file = (path: string): string => join(pki, path);
  /** The serial (hex) index.txt lists as revoked for CN=name. */
  const revokedSerial = (name: string): string => {
    const serial = new RegExp(`^R\\t\\S+\\t\\S+\\t([0-9A-F]+)\\t\\S+\\t/CN=${name}$`, 'm').exec(readFileSync(file('index.txt'), 'utf8'))?.[1];
    assert.ok(serial, `index.txt lists ${name} as revoked`);
    return serial;
  };

  before(async function () {
    requireEasyRsa(this);
    dir = tempDir('fedca-easyrsa-');
    pki = join(dir, 'pki');
    home = join(dir, 'home');
    passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
    await easyrsa(pki, 'init-pki');
    await easyrsa(pki, '--req-cn=Legacy VPN CA', 'build-ca', 'nopass');
    await easyrsa(pki, 'build-server-full', 'legacy-server', 'nopass');
    await easyrsa(pki, 'build-client-full', 'alice', 'nopass');
    await easyrsa(pki, 'build-client-full', 'bob', 'nopass');
    await easyrsa(pki, 'revoke', 'bob', 'keyCompromise');
    await easyrsa(pki, 'gen-crl');
  });
  after(async () => {
    await stopAllOpenvpn();
    if (ca) await ca.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adopts the easy-rsa CA as root and issuer and imports index.txt', async () => {
    const run = await fedca(['init', '--home', home, '--from-easyrsa', pki, '--password-file', passwordFile, '--address', '127.0.0.1:0']);
    assertSucceeded(run);
    assert.match(run.stdout, /imported:\s+3 certificate\(s\), 1 revocation\(s\)/);
    const [easyRsaCa] = pemDers(readFileSync(file('ca.crt'), 'utf8'));
    assert.deepEqual(pemDers(readFileSync(join(home, 'pki/root_ca.crt'), 'utf8')), [easyRsaCa]);
    const config = JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')) as { root: string; crt: string; key: string };
    assert.equal(config.crt, config.root, 'the CA issues as itself: easy-rsa has no intermediate');
    assert.match(readFileSync(join(home, config.key), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const rootFingerprint = /root fingerprint: ([0-9a-f]{64})/.exec(run.stdout)?.[1] ?? '';
    ca = await startTestCa({ home: { home, password, passwordFile, rootFile: join(home, 'pki/root_ca.crt'), rootFingerprint } });
  });

  it("lists on fedca's first CRL every serial easy-rsa revoked, with its reason", async () => {
    assert.ok(ca, 'the adopted CA started');
    const res = await https(ca, '/1.0/crl?pem=true');
    assert.equal(res.status, 200);
    const crlFile = join(dir, 'fedca-crl.pem');
    writeFileSync(crlFile, res.body);
    assert.deepEqual(await crlSerials(crlFile), await crlSerials(file('crl.pem')), "the same serials as easy-rsa's own CRL");
    assert.deepEqual(await crlSerials(crlFile), [revokedSerial('bob').replace(/^0+/, '')]);
    const text = await exec('openssl', ['crl', '-in', crlFile, '-noout', '-text']);
    assert.match(text.stdout, /CRL Reason Code:\s+Key Compromise/);
    const verified = await exec('openssl', ['crl', '-in', crlFile, '-noout', '-CAfile', file('ca.crt')]);
    assert.match(verified.stderr + verified.stdout, /verify OK/);
  });

  it('keeps the easy-rsa certificates renewable, and refuses the revoked one', async () => {
    assert.ok(ca, 'the adopted CA started');
    const alice = new X509Certificate(readFileSync(file('issued/alice.crt')));
    assert.ok(await ca.authority.store.certificate(decimalSerial(alice)), 'alice is in the store');
    const renewed = await https(ca, '/1.0/renew', { method: 'POST', cert: readFileSync(file('issued/alice.crt'), 'utf8'), key: readFileSync(file('private/alice.key'), 'utf8') });
    assert.equal(renewed.status, 201, renewed.body.toString());
    const successor = new X509Certificate(renewed.json<{ crt: string }>().crt);
    assert.equal(successor.subject, alice.subject);
    assert.notEqual(successor.serialNumber, alice.serialNumber);
    assert.ok(successor.verify(new X509Certificate(readFileSync(file('ca.crt'))).publicKey), 'signed by the easy-rsa CA key');
    const bobSerial = revokedSerial('bob');
    const bobRenewal = await https(ca, '/1.0/renew', {
      method: 'POST',
      cert: readFileSync(file(`revoked/certs_by_serial/${bobSerial}.crt`), 'utf8'),
      key: readFileSync(file(`revoked/private_by_serial/${bobSerial}.key`), 'utf8'),
    });
    assert.equal(bobRenewal.status, 401);
    assert.match(bobRenewal.json<{ message: string }>().message, /revoked/);
  });

  describe('with a real OpenVPN server using the adopted CA and its CRL', () => {
    before(async function () {
      await requireOpenvpn(this);
    });

    it('the other easy-rsa client connects, the revoked one is refused, and a client fedca issues connects', async () => {
      assert.ok(ca, 'the adopted CA started');
      const flags = ['--ca-url', ca.url, '--root', ca.rootFile, '--password-file', passwordFile];
      const serverDir = join(dir, 'server');
      assertSucceeded(await fedca(['export', 'openvpn-server', 'vpn.legacy', '--out', serverDir, ...flags]));
      const server = await startOpenvpnServer({ cwd: serverDir, include: 'server.conf' });
      const carolProfile = join(dir, 'carol.ovpn');
      assertSucceeded(await fedca(['export', 'openvpn-client', 'carol', '--remote', `127.0.0.1:${server.port}`, '--out', carolProfile, ...flags]));

      const alice = startOpenvpnClient({ cwd: dir, lines: clientLines(server, { ca: file('ca.crt'), cert: file('issued/alice.crt'), key: file('private/alice.key') }) });
      const bobSerial = revokedSerial('bob');
      const bob = startOpenvpnClient({
        cwd: dir,
        lines: clientLines(server, { ca: file('ca.crt'), cert: file(`revoked/certs_by_serial/${bobSerial}.crt`), key: file(`revoked/private_by_serial/${bobSerial}.key`) }),
      });
      const carol = startOpenvpnClient({ cwd: dir, profile: carolProfile });
      await Promise.all([alice.waitFor(INITIALIZED), carol.waitFor(INITIALIZED), server.waitFor(/VERIFY ERROR: depth=0, error=certificate revoked: CN=bob/, HANDSHAKE_MS)]);
      assert.ok(!bob.logged(INITIALIZED), 'bob never completed');
    });
  });

  it('asks for the passphrase of an encrypted easy-rsa CA key', async () => {
    const lockedPki = join(dir, 'locked-pki');
    await easyrsa(lockedPki, 'init-pki');
    await easyrsa(lockedPki, '--req-cn=Locked CA', '--passout=pass:easy-rsa-secret', '--passin=pass:easy-rsa-secret', 'build-ca');
    const lockedHome = join(dir, 'locked-home');
    const init = (...extra: string[]) => fedca(['init', '--home', lockedHome, '--from-easyrsa', lockedPki, '--password-file', passwordFile, ...extra]);

    assertOneLineError(await init(), /encrypted: pass its passphrase with --easyrsa-pass-file/);
    const wrong = join(dir, 'wrong-pass');
    writeFileSync(wrong, 'not-it\n');
    assertOneLineError(await init('--easyrsa-pass-file', wrong), /cannot read the easy-rsa CA key .*wrong passphrase/);
    assert.ok(!existsSync(lockedHome), 'nothing written');

    const right = join(dir, 'right-pass');
    writeFileSync(right, 'easy-rsa-secret\n');
    const run = await init('--easyrsa-pass-file', right);
    assertSucceeded(run);
    assert.match(run.stdout, /imported:\s+0 certificate\(s\), 0 revocation\(s\)/);
  });
});
