import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertHelpDescribes, assertOneLineError, CLI, exec, runFedca, spawnFedca, type Run, type RunningFedca } from './helpers/cliRun.js';
import { closedPort } from './helpers/ports.js';
import { rowCount } from './helpers/storeCount.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

/** The leaf (first certificate) of a chain file. */
const leafOf = (file: string): X509Certificate => new X509Certificate(readFileSync(file));
const decimal = (cert: X509Certificate): string => BigInt('0x' + cert.serialNumber).toString(10);
/** The contents of files, to show that a refused command left them alone. */
const contents = (...files: string[]): string[] => files.map((f) => readFileSync(f, 'utf8'));
/** The public key (SPKI PEM) openssl reads from a certificate or a private key file. */
const opensslPublicKey = (file: string, kind: 'x509' | 'pkey'): string =>
  execFileSync('openssl', kind === 'x509' ? ['x509', '-in', file, '-noout', '-pubkey'] : ['pkey', '-in', file, '-pubout']).toString();
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

describe('lifecycle CLI: renew, rekey, revoke, crl', () => {
  let ca: TestCa;
  let dir: string;
  let clientHome: string;
  /** `fedca ARGS`, bootstrapped to nothing: every command names its CA. */
  const fedca = (args: readonly string[]): Promise<Run> => runFedca(args, { FEDCA_CLIENT_HOME: clientHome });
  const caFlags = (target: TestCa = ca): string[] => ['--ca-url', target.url, '--root', target.rootFile];
  /** Daemons a test started; killed after it, whatever happened. */
  const daemons: RunningFedca[] = [];
  const daemonFedca = (args: readonly string[]): RunningFedca => {
    const daemon = spawnFedca(args, { FEDCA_CLIENT_HOME: clientHome });
    daemons.push(daemon);
    return daemon;
  };

  before(async () => {
    // Short certificates (tens of seconds) let the daemon renew within a test.
    ca = await startTestCa({
      editConfig: (config) => {
        const authority = config.authority as { claims: Record<string, string> };
        authority.claims.minTLSCertDuration = '10s';
      },
    });
  });
  after(() => ca.stop());
  beforeEach(() => {
    dir = tempDir('fedca-cli-lifecycle-');
    clientHome = join(dir, 'client-home');
  });
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  /** `fedca certificate` for `subject` into dir/NAME.crt and NAME.key; returns the two paths. */
  async function certificate(subject: string, name: string, extra: string[] = [], target: TestCa = ca): Promise<[string, string]> {
    const crt = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    const run = await fedca(['certificate', subject, crt, key, ...caFlags(target), '--password-file', target.passwordFile, ...extra]);
    assert.equal(run.status, 0, run.stderr);
    return [crt, key];
  }

  describe('--help', () => {
    const verbs: Record<string, string[]> = {
      renew: ['<crt-file>', '<key-file>', '--ca-url', '--root', '--fingerprint', '--force', '--expires-in', '--out', '--exec', '--bearer', '--daemon'],
      rekey: ['<crt-file>', '<key-file>', '--ca-url', '--root', '--fingerprint', '--force', '--expires-in', '--out', '--out-key', '--exec', '--kty', '--curve', '--size'],
      revoke: ['<serial>', '--ca-url', '--root', '--fingerprint', '--token', '--provisioner', '--password-file', '--cert', '--key', '--reason-code', '--reason'],
      crl: ['--ca-url', '--root', '--fingerprint', '--pem', '--out'],
    };
    for (const [verb, items] of Object.entries(verbs)) {
      it(`fedca ${verb} --help describes every argument and option`, () => assertHelpDescribes(verb, items));
    }
  });

  it('certificate → renew --force → revoke by provisioner → renew refused → crl lists the serial', async () => {
    const [crt, key] = await certificate('svc.example', 'svc', ['--san', 'svc.example', '--san', '127.0.0.1']);
    const issued = leafOf(crt);

    const renewed = await fedca(['renew', crt, key, '--force', ...caFlags()]);
    assert.equal(renewed.status, 0, renewed.stderr);
    assert.match(renewed.stdout, /renewed and saved in .*svc\.crt/);
    const leaf = leafOf(crt);
    assert.notEqual(leaf.serialNumber, issued.serialNumber);
    assert.equal(leaf.subject, issued.subject);
    assert.equal(leaf.subjectAltName, issued.subjectAltName);
    assert.equal(statSync(crt).mode & 0o777, 0o644);
    assert.equal(opensslPublicKey(crt, 'x509'), opensslPublicKey(key, 'pkey'), 'the same key');

    const notDue = await fedca(['renew', crt, key, ...caFlags()]);
    assert.equal(notDue.status, 0, notDue.stderr);
    assert.match(notDue.stdout, /not due for renewal until .*use --force/);
    assert.equal(leafOf(crt).serialNumber, leaf.serialNumber, 'not renewed');

    const revoked = await fedca(['revoke', `0x${leaf.serialNumber.toLowerCase()}`, '--provisioner', 'admin', '--password-file', ca.passwordFile, '--reason-code', '1', '--reason', 'key compromise', ...caFlags()]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.ok(revoked.stdout.includes(`serial ${decimal(leaf)} has been revoked`), revoked.stdout);

    const before = contents(crt, key);
    assertOneLineError(await fedca(['renew', crt, key, '--force', ...caFlags()]), /revoked/);
    assert.deepEqual(contents(crt, key), before);

    const crlFile = join(dir, 'ca.crl');
    const crl = await fedca(['crl', '--pem', '--out', crlFile, ...caFlags()]);
    assert.equal(crl.status, 0, crl.stderr);
    const text = execFileSync('openssl', ['crl', '-in', crlFile, '-noout', '-text']).toString();
    assert.ok(text.replace(/:/g, '').toUpperCase().includes(leaf.serialNumber.toUpperCase()), `serial ${leaf.serialNumber} listed in:\n${text}`);
    assert.match(text, /Key Compromise/);
    assert.ok(!text.replace(/:/g, '').toUpperCase().includes(issued.serialNumber.toUpperCase()), 'the first certificate was not revoked');
  });

  it('renew --bearer --out writes the renewed chain elsewhere, by renew token, then runs --exec', async () => {
    const [crt, key] = await certificate('bearer.example', 'bearer');
    const out = join(dir, 'renewed.crt');
    const marker = join(dir, 'exec.log');
    const before = contents(crt);
    const tokensUsed = await rowCount(ca, 'usedTokens');
    const run = await fedca(['renew', crt, key, '--bearer', '--force', '--out', out, '--exec', `cat ${shellQuote(out)} > ${shellQuote(marker)}`, ...caFlags()]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(readFileSync(marker, 'utf8'), readFileSync(out, 'utf8'), '--exec ran after the new chain was in place');
    assert.equal(await rowCount(ca, 'usedTokens'), tokensUsed + 1, 'a renew token was used (and burned)');
    assert.deepEqual(contents(crt), before);
    assert.notEqual(leafOf(out).serialNumber, leafOf(crt).serialNumber);
    assert.equal(leafOf(out).subject, 'CN=bearer.example');
  });

  it('renew --daemon renews a short certificate on its own, runs --exec, and exits 0 on SIGTERM', async () => {
    // The daemon counts the lifetime from receipt (the file's mtime), which would make a 36 s
    // certificate due 24 s from now. Received as early as its backdated notBefore, it is due at
    // 2/3 of 96 s from there: some 4 s after it was issued.
    const [crt, key] = await certificate('short.example', 'short', ['--not-after', '36s']);
    const first = leafOf(crt);
    const notBefore = new Date(first.validFrom);
    const notAfter = new Date(first.validTo);
    utimesSync(crt, notBefore, notBefore);
    const marker = join(dir, 'exec.log');
    const daemon = daemonFedca(['renew', crt, key, '--daemon', '--exec', `echo ran >> ${shellQuote(marker)} && echo exec-done >&2`, ...caFlags()]);
    await daemon.stderrMatching(/exec-done/);
    const exit = await daemon.stop('SIGTERM');
    assert.equal(exit.status, 0, daemon.stderr());
    const renewed = leafOf(crt);
    assert.notEqual(renewed.serialNumber, first.serialNumber);
    assert.equal(renewed.subject, first.subject);
    assert.match(readFileSync(marker, 'utf8'), /^(ran\n)+$/);
    const log = daemon.stderr().split('\n').filter((l) => l.startsWith('fedca renew: '));
    const planned = Date.parse(/watching .*short\.crt .*next renewal at (\S+)$/m.exec(log.join('\n'))?.[1] ?? '');
    const lifetime = notAfter.getTime() - notBefore.getTime();
    const due = notBefore.getTime() + (2 * lifetime) / 3;
    assert.ok(Math.abs(planned - due) <= lifetime / 40, `planned at 2/3 of the lifetime from receipt (± 1/40 of it): ${new Date(planned).toISOString()}, due ${new Date(due).toISOString()}`);
    assert.ok(log.some((l) => /renewed .*short\.crt \(serial [0-9a-f]+ \(\d+\), not after .*next renewal at/.test(l)), daemon.stderr());
    assert.ok(log.some((l) => /stopping on SIGTERM/.test(l)), daemon.stderr());
  });

  it('renew --daemon logs each failure and keeps running until SIGTERM', async () => {
    const [crt, key] = await certificate('retry.example', 'retry');
    const before = contents(crt, key);
    const port = await closedPort();
    const daemon = daemonFedca(['renew', crt, key, '--daemon', '--force', '--ca-url', `https://127.0.0.1:${port}`, '--root', ca.rootFile]);
    await daemon.stderrMatching(/failed: cannot reach the CA[^\n]*retrying in 1s\n[\s\S]*failed: cannot reach the CA[^\n]*retrying in 2s/);
    const exit = await daemon.stop('SIGTERM');
    assert.equal(exit.status, 0, daemon.stderr());
    assert.deepEqual(contents(crt, key), before);
  });

  it('rekey: a new key, 0600, that matches the new certificate', async () => {
    const [crt, key] = await certificate('rekey.example', 'rekey');
    const oldKey = readFileSync(key, 'utf8');
    const oldLeaf = leafOf(crt);
    const run = await fedca(['rekey', crt, key, '--force', '--curve', 'P-384', ...caFlags()]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /new private key has been saved in .*rekey\.key/);
    assert.notEqual(readFileSync(key, 'utf8'), oldKey);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const leaf = leafOf(crt);
    assert.notEqual(leaf.serialNumber, oldLeaf.serialNumber);
    assert.equal(leaf.subject, 'CN=rekey.example');
    assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    assert.equal(opensslPublicKey(crt, 'x509'), opensslPublicKey(key, 'pkey'), 'the new key is the new certificate\'s');
    const renew = await fedca(['renew', crt, key, '--force', ...caFlags()]);
    assert.equal(renew.status, 0, `the rekeyed pair works over mTLS: ${renew.stderr}`);
  });

  it('revoke with a token from fedca token --revoke', async () => {
    const [crt] = await certificate('by-token.example', 'by-token');
    const serial = decimal(leafOf(crt));
    const token = await fedca(['token', serial, '--revoke', '--password-file', ca.passwordFile, ...caFlags()]);
    assert.equal(token.status, 0, token.stderr);
    const run = await fedca(['revoke', serial, '--token', token.stdout.trim(), ...caFlags()]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(await ca.authority.store.revocation(serial));
    assertOneLineError(await fedca(['revoke', serial, '--token', token.stdout.trim(), ...caFlags()]), /the CA answered 40\d: /);
  });

  it('revoke by the certificate itself (mTLS), with a decimal serial; and without any authorisation', async () => {
    const [crt, key] = await certificate('self.example', 'self');
    const serial = decimal(leafOf(crt));
    assertOneLineError(await fedca(['revoke', serial, ...caFlags()]), /pass one of --token, --provisioner\/--password-file, or --cert with --key/);
    assertOneLineError(await fedca(['revoke', serial, '--cert', crt, '--token', 'a.b.c', ...caFlags()]), /pass only one of/);
    const run = await fedca(['revoke', serial, '--cert', crt, '--key', key, '--reason-code', '4', ...caFlags()]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal((await ca.authority.store.revocation(serial))?.reasonCode, 4);
    assertOneLineError(await fedca(['revoke', 'not-a-serial', '--cert', crt, '--key', key, ...caFlags()]), /serial number, decimal or 0x-prefixed hex/);
  });

  it('crl: DER on stdout when it is not a terminal, or in --out; refused on a terminal', async function () {
    const piped = join(dir, 'piped.der');
    const run = await exec('sh', ['-c', `${[process.execPath, CLI, 'crl', ...caFlags()].map(shellQuote).join(' ')} > ${shellQuote(piped)}`], { FEDCA_CLIENT_HOME: clientHome });
    assert.equal(run.status, 0, run.stderr);
    const out = join(dir, 'out.der');
    const saved = await fedca(['crl', '--out', out, ...caFlags()]);
    assert.equal(saved.status, 0, saved.stderr);
    for (const der of [piped, out]) {
      assert.match(execFileSync('openssl', ['crl', '-inform', 'DER', '-in', der, '-noout', '-issuer']).toString(), /Test Intermediate CA/);
    }

    if ((await exec('script', ['--version']).catch(() => undefined))?.status !== 0) this.skip();
    const command = [process.execPath, CLI, 'crl', ...caFlags()].map(shellQuote).join(' ');
    const tty = await exec('script', ['-qec', command, '/dev/null'], { FEDCA_CLIENT_HOME: clientHome });
    assert.notEqual(tty.status, 0);
    assert.match(tty.stdout, /fedca: refusing to write a binary \(DER\) CRL to a terminal/);
  });

  describe('refusals: one line on stderr, non-zero exit, files untouched', () => {
    it('an unreadable certificate or key file', async () => {
      const [crt, key] = await certificate('files.example', 'files');
      assertOneLineError(await fedca(['renew', join(dir, 'missing.crt'), key, '--force', ...caFlags()]), /cannot read the certificate file .*missing\.crt \(ENOENT\)/);
      assertOneLineError(await fedca(['rekey', crt, join(dir, 'missing.key'), '--force', ...caFlags()]), /cannot read the key file .*missing\.key \(ENOENT\)/);
      const junk = join(dir, 'junk.crt');
      writeFileSync(junk, 'not a certificate');
      assertOneLineError(await fedca(['renew', junk, key, '--force', ...caFlags()]), /holds no certificate/);
    });

    it('a key that is not the certificate\'s', async () => {
      const [crt] = await certificate('one.example', 'one');
      const [, otherKey] = await certificate('two.example', 'two');
      const before = contents(crt, otherKey);
      assertOneLineError(await fedca(['renew', crt, otherKey, '--force', ...caFlags()]), /not the key of the certificate/);
      assert.deepEqual(contents(crt, otherKey), before);
    });

    it('a certificate from another CA', async () => {
      const other = await startTestCa({ name: 'Other' });
      try {
        const [crt, key] = await certificate('foreign.example', 'foreign', [], other);
        const before = contents(crt, key);
        for (const verb of ['renew', 'rekey']) {
          assertOneLineError(await fedca([verb, crt, key, '--force', ...caFlags()]), /the CA answered 401: certificate was not issued by this CA/);
          assert.deepEqual(contents(crt, key), before, verb);
        }
      } finally {
        await other.stop();
      }
    });

    it('an unreachable CA', async () => {
      const [crt, key] = await certificate('offline.example', 'offline');
      const before = contents(crt, key);
      const port = await closedPort();
      for (const verb of ['renew', 'rekey']) {
        assertOneLineError(await fedca([verb, crt, key, '--force', '--ca-url', `https://127.0.0.1:${port}`, '--root', ca.rootFile]), new RegExp(`cannot reach the CA at https://127\\.0\\.0\\.1:${port}`));
        assert.deepEqual(contents(crt, key), before, verb);
      }
      assertOneLineError(await fedca(['crl', '--pem', '--ca-url', `https://127.0.0.1:${port}`, '--root', ca.rootFile]), /cannot reach the CA/);
    });
  });
});
