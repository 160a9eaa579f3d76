import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { pemDers, toPem } from '../src/pki/pem.js';
import { assertOneLineError, assertSucceeded, fedca } from './helpers/cli.js';
import { exec } from './helpers/exec.js';
import { rowCount } from './helpers/storeCount.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

const SERVER_AUTH = 'TLS Web Server Authentication';
const CLIENT_AUTH = 'TLS Web Client Authentication';

/** `openssl x509 -text` of a PEM file's first certificate. */
async function certificateText(file: string): Promise<string> {
  const run = await exec('openssl', ['x509', '-in', file, '-noout', '-text']);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

/** The public key (PEM) openssl reads from a key file, or from a certificate with `-x509`. */
async function publicKeyOf(file: string, certificate = false): Promise<string> {
  const run = certificate ? await exec('openssl', ['x509', '-in', file, '-noout', '-pubkey']) : await exec('openssl', ['pkey', '-in', file, '-pubout', '-passin', 'pass:']);
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

const extendedKeyUsage = (text: string): string => /X509v3 Extended Key Usage: *\n\s*(.*)/.exec(text)?.[1]?.trim() ?? '';
const mode = (file: string): number => statSync(file).mode & 0o777;

describe('fedca export: openvpn-server, openvpn-client, acm', () => {
  let ca: TestCa;
  let dir: string;
  const caFlags = (): string[] => ['--ca-url', ca.url, '--root', ca.rootFile, '--password-file', ca.passwordFile];
  const intermediatePem = (): string => toPem(ca.authority.intermediate.certificate.der);

  before(async () => {
    ca = await startTestCa();
  });
  after(() => ca.stop());
  beforeEach(() => {
    dir = tempDir('fedca-export-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('--help', () => {
    const issueOptions = ['<name>', '--ca-url', '--root', '--fingerprint', '--token', '--provisioner', '--password-file', '--san', '--profile', '--kty', '--size', '--not-after', '--force', '--out'];
    const verbs: Record<string, string[]> = {
      'openvpn-server': issueOptions,
      'openvpn-client': [...issueOptions, '--remote', '--proto', '--server-locked', '--p12-password-file'],
      acm: issueOptions,
    };
    for (const [verb, options] of Object.entries(verbs)) {
      it(`fedca export ${verb} --help describes every argument and option`, async () => {
        const run = await fedca(['export', verb, '--help']);
        assert.equal(run.status, 0);
        const lines = run.stdout.split('\n');
        for (const item of options) {
          const name = item.replace(/^<(.*)>$/, '$1');
          assert.ok(
            lines.some((line) => new RegExp(`^\\s+${name}( <[^>]+>)?\\s{2,}\\S`).test(line)),
            `${item} has a description in:\n${run.stdout}`,
          );
        }
      });
    }
  });

  describe('acm', () => {
    it('writes the three files of aws acm import-certificate: they parse, match, chain to the root, and the key is unencrypted', async () => {
      const out = join(dir, 'acm');
      const run = await fedca(['export', 'acm', 'vpn.example.com', '--out', out, '--kty', 'RSA', '--size', '2048', ...caFlags()]);
      assertSucceeded(run);
      assert.match(run.stdout, /aws acm import-certificate --certificate fileb:\/\/.*certificate\.pem --private-key fileb:\/\/.*private-key\.pem --certificate-chain fileb:\/\/.*certificate-chain\.pem/);
      const [crt, key, chain] = ['certificate.pem', 'private-key.pem', 'certificate-chain.pem'].map((f) => join(out, f));

      const text = await certificateText(crt);
      assert.match(text, /Subject: CN = vpn\.example\.com/);
      assert.match(text, /DNS:vpn\.example\.com/);
      assert.match(text, /Public-Key: \(2048 bit\)/);
      assert.equal(extendedKeyUsage(text), SERVER_AUTH);
      assert.equal(pemDers(readFileSync(crt, 'utf8')).length, 1, 'certificate.pem holds the leaf only');

      assert.match(readFileSync(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/, 'unencrypted PKCS#8');
      assert.equal(mode(key), 0o600);
      assert.equal(await publicKeyOf(key), await publicKeyOf(crt, true), 'the key is the certificate\'s');

      assert.deepEqual(pemDers(readFileSync(chain, 'utf8')), [...pemDers(intermediatePem()), ...pemDers(ca.rootPem)], 'intermediate then root');
      const verified = await exec('openssl', ['verify', '-CAfile', ca.rootFile, '-untrusted', chain, crt]);
      assert.equal(verified.status, 0, verified.stderr + verified.stdout);
    });

    it('a key the AWS server profile does not take: one line on stderr quoting AWS, nothing written', async () => {
      const out = join(dir, 'acm');
      const run = await fedca(['export', 'acm', 'vpn.example.com', '--out', out, '--kty', 'EC', '--curve', 'P-384', ...caFlags()]);
      assertOneLineError(run, /the CA answered 403: the aws-client-vpn-server profile needs an RSA 2048 key, not EC P-384: AWS Client VPN says "A Client VPN endpoint supports 1024-bit and 2048-bit RSA key sizes only"/);
      assert.ok(!existsSync(out));
    });

    it('without --kty: an RSA 2048 key, and a warning that this CA\'s own keys are EC', async () => {
      const out = join(dir, 'acm');
      const run = await fedca(['export', 'acm', 'vpn.example.com', '--out', out, ...caFlags()]);
      assertSucceeded(run);
      assert.match(await certificateText(join(out, 'certificate.pem')), /Public-Key: \(2048 bit\)\n\s*Modulus:/);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^fedca: warning: the CA's keys are not RSA \(.*has an EC key.*\): AWS's documentation names only RSA keys for Client VPN and is silent about the CA's own key type/);
    });

    it('a CA with RSA keys: no warning', async () => {
      const rsaCa = await startTestCa({ kty: 'RSA' });
      try {
        const run = await fedca(['export', 'acm', 'vpn.example.com', '--out', join(dir, 'acm'), '--ca-url', rsaCa.url, '--root', rsaCa.rootFile, '--password-file', rsaCa.passwordFile]);
        assertSucceeded(run);
        assert.equal(run.stderr, '');
      } finally {
        await rsaCa.stop();
      }
    });
  });

  describe('openvpn-server', () => {
    it('writes ca.crt, server.crt, server.key, crl.pem and a server.conf fragment that names them', async () => {
      const out = join(dir, 'server');
      assertSucceeded(await fedca(['export', 'openvpn-server', 'vpn.example.com', '--out', out, ...caFlags()]));
      assert.deepEqual(pemDers(readFileSync(join(out, 'ca.crt'), 'utf8')), [...pemDers(intermediatePem()), ...pemDers(ca.rootPem)]);
      const text = await certificateText(join(out, 'server.crt'));
      assert.equal(extendedKeyUsage(text), SERVER_AUTH);
      assert.match(text, /Key Usage: critical\n\s*Digital Signature, Key Encipherment/);
      assert.equal(mode(join(out, 'server.key')), 0o600);
      const crl = await exec('openssl', ['crl', '-in', join(out, 'crl.pem'), '-noout', '-CAfile', join(out, 'ca.crt')]);
      assert.match(crl.stderr + crl.stdout, /verify OK/);
      const conf = readFileSync(join(out, 'server.conf'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
      assert.deepEqual(conf, ['ca ca.crt', 'cert server.crt', 'key server.key', 'dh none', 'crl-verify crl.pem', 'remote-cert-tls client']);
    });

    it('a CA that publishes no CRL: one line on stderr, no certificate issued, nothing written', async () => {
      const noCrl = await startTestCa({ editConfig: (c) => (c.crl = { enabled: false }) });
      try {
        const issued = await rowCount(noCrl, 'certificates');
        const out = join(dir, 'server');
        const run = await fedca(['export', 'openvpn-server', 'vpn.example.com', '--out', out, '--ca-url', noCrl.url, '--root', noCrl.rootFile, '--password-file', noCrl.passwordFile]);
        assertOneLineError(run, /publishes no CRL/);
        assert.equal(await rowCount(noCrl, 'certificates'), issued);
        assert.ok(!existsSync(out));
      } finally {
        await noCrl.stop();
      }
    });

    it('refuses to overwrite an existing file without --force, before contacting the CA', async () => {
      const out = join(dir, 'server');
      assertSucceeded(await fedca(['export', 'openvpn-server', 'vpn.example.com', '--out', out, ...caFlags()]));
      const before = readFileSync(join(out, 'server.key'), 'utf8');
      assertOneLineError(await fedca(['export', 'openvpn-server', 'vpn.example.com', '--out', out, '--ca-url', 'https://127.0.0.1:1', '--root', ca.rootFile, '--password-file', ca.passwordFile]), /already exist; use --force/);
      assert.equal(readFileSync(join(out, 'server.key'), 'utf8'), before);
      assertSucceeded(await fedca(['export', 'openvpn-server', 'vpn.example.com', '--out', out, '--force', ...caFlags()]));
      assert.notEqual(readFileSync(join(out, 'server.key'), 'utf8'), before);
    });
  });

  describe('openvpn-client', () => {
    it('an inline profile: remote, remote-cert-tls server, the CA chain, a clientAuth certificate and its key (mode 0600)', async () => {
      const out = join(dir, 'laptop.ovpn');
      assertSucceeded(await fedca(['export', 'openvpn-client', 'laptop', '--remote', 'vpn.example.com:1194', '--proto', 'tcp', '--out', out, ...caFlags()]));
      const profile = readFileSync(out, 'utf8');
      assert.equal(mode(out), 0o600);
      assert.match(profile, /^client$/m);
      assert.match(profile, /^remote vpn\.example\.com 1194$/m);
      assert.match(profile, /^proto tcp$/m);
      assert.match(profile, /^remote-cert-tls server$/m);
      const block = (tag: string): string => new RegExp(`<${tag}>\\n([\\s\\S]*?)</${tag}>`).exec(profile)?.[1] ?? '';
      assert.deepEqual(pemDers(block('ca')), [...pemDers(intermediatePem()), ...pemDers(ca.rootPem)]);
      const leaf = new X509Certificate(pemDers(block('cert'))[0]);
      assert.equal(leaf.subject, 'CN=laptop');
      assert.match(block('key'), /^-----BEGIN PRIVATE KEY-----/);
      const certFile = join(dir, 'leaf.pem');
      writeFileSync(certFile, leaf.toString());
      assert.equal(extendedKeyUsage(await certificateText(certFile)), CLIENT_AUTH);
    });

    it('--server-locked: no <cert> or <key> in the profile; a PKCS#12 that openssl opens with the given password', async () => {
      const out = join(dir, 'laptop.ovpn');
      const passwordFile = join(dir, 'p12-password');
      writeFileSync(passwordFile, 'p12 secret\n');
      const run = await fedca(['export', 'openvpn-client', 'laptop', '--remote', '127.0.0.1:1194', '--server-locked', '--p12-password-file', passwordFile, '--out', out, ...caFlags()]);
      assertSucceeded(run);
      const profile = readFileSync(out, 'utf8');
      assert.match(profile, /<ca>/);
      assert.doesNotMatch(profile, /<cert>|<key>|PRIVATE KEY/);
      const p12 = join(dir, 'laptop.p12');
      assert.equal(mode(p12), 0o600);
      const opened = await exec('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:p12 secret', '-noenc']);
      assert.equal(opened.status, 0, opened.stderr);
      assert.match(opened.stdout, /subject=CN = laptop/);
      assert.match(opened.stdout, /-----BEGIN PRIVATE KEY-----/);
      const wrong = await exec('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:guess', '-noenc']);
      assert.equal(wrong.status, 1, wrong.stderr);
      assert.match(wrong.stderr, /mac verify (failure|error)/i, 'refused by the MAC check: the password protects it');
      assert.doesNotMatch(wrong.stdout, /PRIVATE KEY/);
    });

    it('--server-locked without --p12-password-file: one line on stderr, nothing written', async () => {
      const out = join(dir, 'laptop.ovpn');
      assertOneLineError(await fedca(['export', 'openvpn-client', 'laptop', '--remote', '127.0.0.1:1194', '--server-locked', '--out', out, ...caFlags()]), /--server-locked needs --p12-password-file/);
      assert.ok(!existsSync(out));
    });

    it('--profile with --token: one line on stderr (the token names the profile)', async () => {
      const token = (await fedca(['token', 'laptop', '--profile', 'openvpn-client', ...caFlags()])).stdout.trim();
      assert.equal(decodeJwt(token).profile, 'openvpn-client');
      const run = await fedca(['export', 'openvpn-client', 'laptop', '--remote', '127.0.0.1:1194', '--out', join(dir, 'x.ovpn'), '--token', token, '--profile', 'default', '--ca-url', ca.url, '--root', ca.rootFile]);
      assertOneLineError(run, /--profile does not apply with --token/);
    });
  });
});
