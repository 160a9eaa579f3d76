import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { createCsr } from '../src/pki/csrBuilder.js';
import { generateKey } from '../src/pki/keys.js';
import { pemDers, toPem } from '../src/pki/pem.js';
import { provisionerListings } from './helpers/accessLog.js';
import { assertHelpDescribes, assertOneLineError, exec, runFedca, type Run } from './helpers/cliRun.js';
import { closedPort } from './helpers/ports.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

describe('client CLI: bootstrap, token, inspect, certificate', () => {
  let ca: TestCa;
  let dir: string;
  let clientHome: string;
  const fedca = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> => runFedca(args, { FEDCA_CLIENT_HOME: clientHome, ...env });

  before(async () => {
    ca = await startTestCa();
  });
  after(() => ca.stop());
  beforeEach(() => {
    dir = tempDir('fedca-cli-client-');
    clientHome = join(dir, 'client-home');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('--help', () => {
    const verbs: Record<string, string[]> = {
      bootstrap: ['--ca-url', '--fingerprint', '--force'],
      token: ['<subject>', '--ca-url', '--root', '--fingerprint', '--provisioner', '--password-file', '--metadata-url', '--service-account-token-file', '--san', '--profile', '--revoke', '--not-after'],
      certificate: ['<subject>', '<crt-file>', '<key-file>', '--ca-url', '--root', '--fingerprint', '--token', '--provisioner', '--password-file', '--metadata-url', '--service-account-token-file', '--san', '--profile', '--kty', '--size', '--curve', '--not-before', '--not-after', '--force'],
      inspect: ['<file>', '--format'],
    };
    for (const [verb, items] of Object.entries(verbs)) {
      it(`fedca ${verb} --help describes every argument and option`, () => assertHelpDescribes(verb, items));
    }
  });

  describe('bootstrap', () => {
    it('saves the root and the defaults in $FEDCA_CLIENT_HOME and says where', async () => {
      const run = await fedca(['bootstrap', '--ca-url', ca.url, '--fingerprint', ca.rootFingerprint]);
      assert.equal(run.status, 0, run.stderr);
      const rootFile = join(clientHome, 'certs/root_ca.crt');
      const defaultsFile = join(clientHome, 'config/defaults.json');
      assert.ok(run.stdout.includes(rootFile) && run.stdout.includes(defaultsFile), run.stdout);
      assert.equal(readFileSync(rootFile, 'utf8'), ca.rootPem);
      assert.deepEqual(JSON.parse(readFileSync(defaultsFile, 'utf8')), { 'ca-url': ca.url, fingerprint: ca.rootFingerprint, root: rootFile });
    });

    it('a wrong fingerprint: one line on stderr, non-zero exit, nothing saved', async () => {
      const run = await fedca(['bootstrap', '--ca-url', ca.url, '--fingerprint', '00'.repeat(32)]);
      assertOneLineError(run, /no root with fingerprint 0000/);
      assert.ok(!existsSync(clientHome));
    });
  });

  describe('token', () => {
    it('with the bootstrap defaults, prints a JWT whose claims are right', async () => {
      assert.equal((await fedca(['bootstrap', '--ca-url', ca.url, '--fingerprint', ca.rootFingerprint])).status, 0);
      const from = ca.logLines.length;
      const run = await fedca(['token', 'svc.example', '--provisioner', 'admin', '--password-file', ca.passwordFile]);
      assert.equal(run.status, 0, run.stderr);
      // One look at the provisioners decides what kind of token the named one gives.
      assert.deepEqual(provisionerListings(ca.logLines.slice(from)), ['/provisioners']);
      assert.match(run.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const claims = decodeJwt(run.stdout.trim());
      assert.equal(claims.iss, 'admin');
      assert.equal(claims.sub, 'svc.example');
      assert.equal(claims.aud, `${ca.url}/1.0/sign`);
      assert.deepEqual(claims.sans, ['svc.example']);
      assert.equal(claims.sha, ca.rootFingerprint);
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 300);
    });

    it('with --ca-url, --root, repeated --san and --not-after', async () => {
      const run = await fedca(['token', 'svc', '--ca-url', ca.url, '--root', ca.rootFile, '--password-file', ca.passwordFile, '--san', 'svc.example', '--san', '10.1.2.3', '--not-after', '1m']);
      assert.equal(run.status, 0, run.stderr);
      const claims = decodeJwt(run.stdout.trim());
      assert.deepEqual(claims.sans, ['svc.example', '10.1.2.3']);
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 60);
    });

    it('with --fingerprint instead of a root file; --revoke makes a revoke token', async () => {
      const run = await fedca(['token', '4242', '--revoke', '--ca-url', ca.url, '--fingerprint', ca.rootFingerprint, '--provisioner', 'admin', '--password-file', ca.passwordFile]);
      assert.equal(run.status, 0, run.stderr);
      const claims = decodeJwt(run.stdout.trim());
      assert.equal(claims.sub, '4242');
      assert.equal(claims.aud, `${ca.url}/1.0/revoke`);
      assert.equal(claims.sans, undefined);
    });

    it('an unreachable CA URL: one line on stderr, non-zero exit', async () => {
      const port = await closedPort();
      const run = await fedca(['token', 'svc', '--ca-url', `https://127.0.0.1:${port}`, '--root', ca.rootFile, '--password-file', ca.passwordFile]);
      assertOneLineError(run, new RegExp(`cannot reach the CA at https://127\\.0\\.0\\.1:${port}`));
      assert.equal(run.stdout, '');
    });

    it('a missing password file: one line on stderr, non-zero exit', async () => {
      const run = await fedca(['token', 'svc', '--ca-url', ca.url, '--root', ca.rootFile, '--password-file', join(dir, 'missing.txt')]);
      assertOneLineError(run, /cannot read the password file .*missing\.txt \(ENOENT\)/);
    });

    it('an unknown provisioner name: one line on stderr, non-zero exit', async () => {
      const run = await fedca(['token', 'svc', '--ca-url', ca.url, '--root', ca.rootFile, '--provisioner', 'nope', '--password-file', ca.passwordFile]);
      assertOneLineError(run, /no provisioner named "nope"/);
    });

    it('a wrong password: one line on stderr, non-zero exit', async () => {
      const wrong = join(dir, 'wrong.txt');
      writeFileSync(wrong, 'not-the-password\n');
      const run = await fedca(['token', 'svc', '--ca-url', ca.url, '--root', ca.rootFile, '--password-file', wrong]);
      assertOneLineError(run, /cannot decrypt the provisioner key: wrong password\?/);
    });

    it('a root file that does not match --fingerprint is refused', async () => {
      const run = await fedca(['token', 'svc', '--ca-url', ca.url, '--root', ca.rootFile, '--fingerprint', 'ab'.repeat(32), '--password-file', ca.passwordFile]);
      assertOneLineError(run, /does not have fingerprint abab/);
    });

    it('no CA URL and no bootstrap: one line saying what to do', async () => {
      const run = await fedca(['token', 'svc', '--password-file', ca.passwordFile]);
      assertOneLineError(run, /no CA URL: pass --ca-url, or run fedca bootstrap/);
    });
  });

  describe('inspect', () => {
    it("shows the CA root as a CA: subject, CA:TRUE with its path length, cert signing, fingerprint", async () => {
      const run = await fedca(['inspect', ca.rootFile]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /Subject:\s+O=Test, CN=Test Root CA/);
      assert.match(run.stdout, /Basic constraints:\s+CA:TRUE, pathlen:1 \(critical\)/);
      assert.match(run.stdout, /Key usage:\s+keyCertSign, cRLSign \(critical\)/);
      assert.match(run.stdout, /Public key:\s+EC P-256/);
      assert.match(run.stdout, /Serial:\s+[0-9a-f]+ \(\d+\)/);
      assert.ok(run.stdout.includes(ca.rootFingerprint));
    });

    it('--format json', async () => {
      const run = await fedca(['inspect', '--format', 'json', ca.rootFile]);
      assert.equal(run.status, 0, run.stderr);
      const d = JSON.parse(run.stdout) as { kind: string; basicConstraints: { ca: boolean; pathLength: number }; sha256Fingerprint: string; serial: { hex: string; decimal: string } };
      assert.equal(d.kind, 'certificate');
      assert.deepEqual(d.basicConstraints, { critical: true, ca: true, pathLength: 1 });
      assert.equal(d.sha256Fingerprint, ca.rootFingerprint);
      assert.equal(BigInt('0x' + d.serial.hex).toString(), d.serial.decimal);
    });

    it('each certificate of a bundle, and a CSR with its SANs', async () => {
      const bundle = join(dir, 'bundle.pem');
      writeFileSync(bundle, toPem(ca.authority.intermediate.certificate.der) + ca.rootPem);
      const run = await fedca(['inspect', bundle]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /Certificate 1 of 2:[\s\S]*CN=Test Intermediate CA[\s\S]*pathlen:0[\s\S]*Certificate 2 of 2:/);
      const csr = join(dir, 'req.csr');
      writeFileSync(csr, toPem(createCsr(generateKey({ kty: 'OKP' }), 'svc', ['svc.example', '10.0.0.1']), 'CERTIFICATE REQUEST'));
      const csrRun = await fedca(['inspect', csr]);
      assert.equal(csrRun.status, 0, csrRun.stderr);
      assert.match(csrRun.stdout, /Certificate request:/);
      assert.match(csrRun.stdout, /SANs:\s+DNS:svc\.example, IP:10\.0\.0\.1/);
      assert.match(csrRun.stdout, /Public key:\s+Ed25519/);
    });

    it('a file that holds no certificate: one line on stderr', async () => {
      const junk = join(dir, 'junk.txt');
      writeFileSync(junk, 'hello');
      assertOneLineError(await fedca(['inspect', junk]), /holds no readable certificate/);
    });
  });

  describe('certificate, without issuing', () => {
    it('refuses to overwrite existing files without --force, before contacting the CA', async () => {
      const crt = join(dir, 'svc.crt');
      writeFileSync(crt, 'keep me');
      const run = await fedca(['certificate', 'svc', crt, join(dir, 'svc.key'), '--ca-url', 'https://127.0.0.1:1', '--root', ca.rootFile, '--password-file', ca.passwordFile]);
      assertOneLineError(run, /svc\.crt already exists; use --force/);
      assert.equal(readFileSync(crt, 'utf8'), 'keep me');
      assert.ok(!existsSync(join(dir, 'svc.key')));
    });

    it('writes nothing when the CA refuses', async () => {
      const token = (await fedca(['token', 'other.example', '--ca-url', ca.url, '--root', ca.rootFile, '--password-file', ca.passwordFile])).stdout.trim();
      const crt = join(dir, 'svc.crt');
      const key = join(dir, 'svc.key');
      const run = await fedca(['certificate', 'svc.example', crt, key, '--ca-url', ca.url, '--root', ca.rootFile, '--token', token, '--san', 'svc.example']);
      assertOneLineError(run, /the CA answered \d{3}: /);
      assert.ok(!existsSync(crt) && !existsSync(key));
    });

    it('--curve with --kty RSA is a usage error', async () => {
      const run = await fedca(['certificate', 'svc', join(dir, 'a.crt'), join(dir, 'a.key'), '--kty', 'RSA', '--curve', 'P-384', '--ca-url', ca.url, '--root', ca.rootFile, '--password-file', ca.passwordFile]);
      assertOneLineError(run, /--curve applies to --kty EC only/);
    });
  });

  describe('certificate round trip (needs /sign)', () => {
    const verifyWithOpenssl = async (crt: string): Promise<void> => {
      const [leafDer, intermediateDer] = pemDers(readFileSync(crt, 'utf8'));
      assert.ok(leafDer && intermediateDer, 'the CRT file holds the leaf and the intermediate');
      const leaf = join(dir, 'leaf.pem');
      const intermediate = join(dir, 'intermediate.pem');
      writeFileSync(leaf, toPem(leafDer));
      writeFileSync(intermediate, toPem(intermediateDer));
      const run = await exec('openssl', ['verify', '-CAfile', ca.rootFile, '-untrusted', intermediate, leaf]);
      assert.equal(run.status, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /: OK/);
    };

    it('writes the chain and a 0600 key that openssl accepts, and prints the serial and validity', async () => {
      const crt = join(dir, 'svc.crt');
      const key = join(dir, 'svc.key');
      const run = await fedca(['certificate', 'svc.example', crt, key, '--ca-url', ca.url, '--root', ca.rootFile, '--provisioner', 'admin', '--password-file', ca.passwordFile, '--san', 'svc.example', '--san', '127.0.0.1']);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /serial:\s+[0-9a-f]+ \(\d+\)/);
      assert.match(run.stdout, /not after:\s+\d{4}-/);
      assert.equal(statSync(key).mode & 0o777, 0o600);
      assert.match(readFileSync(key, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
      await verifyWithOpenssl(crt);
      const inspected = await fedca(['inspect', crt]);
      assert.match(inspected.stdout, /SANs:\s+DNS:svc\.example, IP:127\.0\.0\.1/);
      // fedca's own extensions are named and read, not listed as OIDs.
      assert.match(inspected.stdout, /Provisioner:\s+JWK "admin" \([\w-]+\)/);
      assert.match(inspected.stdout, /CRL:\s+https:\/\/\S+\/crl\n/);
      assert.match(inspected.stdout, /OCSP:\s+https:\/\/\S+\/ocsp\n/);
      assert.match(inspected.stdout, /Key usage:\s+digitalSignature \(critical\)/);
      assert.match(inspected.stdout, /Ext key usage:\s+serverAuth, clientAuth/);
      assert.doesNotMatch(inspected.stdout, /Other extensions/);
      const keyCheck = await exec('openssl', ['x509', '-in', crt, '-noout', '-pubkey']);
      const keyPub = await exec('openssl', ['pkey', '-in', key, '-pubout']);
      assert.equal(keyCheck.stdout, keyPub.stdout, 'the key file holds the key of the certificate');
    });

    it('with a token from fedca token, bootstrap defaults and an Ed25519 key; --force overwrites', async () => {
      assert.equal((await fedca(['bootstrap', '--ca-url', ca.url, '--fingerprint', ca.rootFingerprint])).status, 0);
      const token = (await fedca(['token', 'edge.example', '--password-file', ca.passwordFile, '--san', 'edge.example'])).stdout.trim();
      const crt = join(dir, 'edge.crt');
      const key = join(dir, 'edge.key');
      writeFileSync(key, 'old', { mode: 0o644 });
      const run = await fedca(['certificate', 'edge.example', crt, key, '--token', token, '--kty', 'OKP', '--not-after', '2h', '--force']);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(statSync(key).mode & 0o777, 0o600);
      await verifyWithOpenssl(crt);
    });
  });
});
