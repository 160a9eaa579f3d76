import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { readPrivateKey } from '../src/pki/keys.js';
import { openStore } from '../src/store/open.js';
import { assertOneLine, fedca } from './helpers/cli.js';
import { snapshot } from './helpers/files.js';
import { tempDir } from './helpers/testCa.js';

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('fedca init', () => {
  let dir: string;
  let passwordFile: string;
  beforeEach(() => {
    dir = tempDir();
    passwordFile = join(dir, 'pw');
    writeFileSync(passwordFile, 'correct horse\n', { mode: 0o600 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const initArgs = (home: string, ...extra: string[]): string[] => [
    'init', '--home', home, '--name', 'Acme', '--dns', 'ca.acme.test,127.0.0.1', '--address', '127.0.0.1:0', '--provisioner', 'ops', '--password-file', passwordFile, ...extra,
  ];

  it('writes the home layout: config, certificates, keys encrypted with the password (0600)', async () => {
    const home = join(dir, 'home');
    const r = await fedca(initArgs(home));
    assert.equal(r.status, 0, r.stderr);

    const config = validateConfig(JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')));
    assert.deepEqual(config.dnsNames, ['ca.acme.test', '127.0.0.1']);
    assert.equal(config.address, '127.0.0.1:0');
    assert.deepEqual(config.authority.provisioners.map((p) => [p.type, p.name]), [['JWK', 'ops']]);
    assert.deepEqual(config.db, { type: 'sqlite', dataSource: 'db/fedca.sqlite' });

    const root = new X509Certificate(readFileSync(join(home, 'pki/root_ca.crt')));
    const intermediate = new X509Certificate(readFileSync(join(home, 'pki/intermediate_ca.crt')));
    assert.match(root.subject, /CN=Acme Root CA/);
    assert.match(intermediate.subject, /CN=Acme Intermediate CA/);
    assert.ok(intermediate.verify(root.publicKey));

    for (const key of ['pki/secrets/root_ca_key', 'pki/secrets/intermediate_ca_key']) {
      const file = join(home, key);
      assert.equal(mode(file), 0o600, `${key} is not 0600`);
      const pem = readFileSync(file, 'utf8');
      assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
      assert.throws(() => readPrivateKey(pem, 'wrong'), /wrong password/);
      assert.ok(readPrivateKey(pem, 'correct horse'));
    }
    assert.equal(existsSync(join(home, 'pki/secrets/password')), false, 'a password was given, none should be generated');
    assert.match(r.stdout, new RegExp(`root fingerprint: +${root.fingerprint256.replace(/:/g, '').toLowerCase()}`));
  });

  it('generates a password into pki/secrets/password (0600) when none is given, and says where', async () => {
    const home = join(dir, 'home');
    const r = await fedca(['init', '--home', home, '--address', '127.0.0.1:0']);
    assert.equal(r.status, 0, r.stderr);
    const file = join(home, 'pki/secrets/password');
    assert.equal(mode(file), 0o600);
    assert.ok(r.stdout.includes(file), 'the password location is not printed');
    const password = readFileSync(file, 'utf8').trim();
    assert.ok(password.length >= 20, 'the generated password is short');
    assert.ok(readPrivateKey(readFileSync(join(home, 'pki/secrets/intermediate_ca_key'), 'utf8'), password));
    assert.ok(!r.stdout.includes(password), 'the password itself is printed');
    const config = validateConfig(JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')));
    assert.deepEqual([config.dnsNames, config.authority.provisioners[0].name], [['localhost', '127.0.0.1'], 'admin']);
  });

  it('makes Ed25519 CA keys with --kty OKP', async () => {
    const home = join(dir, 'home');
    const r = await fedca(initArgs(home, '--kty', 'OKP'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(new X509Certificate(readFileSync(join(home, 'pki/root_ca.crt'))).publicKey.asymmetricKeyType, 'ed25519');
  });

  it('refuses to overwrite a CA without --force, leaving every file byte-identical', async () => {
    const home = join(dir, 'home');
    assert.equal((await fedca(initArgs(home))).status, 0);
    const before = snapshot(home);
    const r = await fedca(initArgs(home));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /already holds a CA.*--force/);
    assert.deepEqual(snapshot(home), before);
  });

  it('replaces the CA with --force', async () => {
    const home = join(dir, 'home');
    assert.equal((await fedca(initArgs(home))).status, 0);
    const oldRoot = readFileSync(join(home, 'pki/root_ca.crt'), 'utf8');
    const r = await fedca(initArgs(home, '--force'));
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(readFileSync(join(home, 'pki/root_ca.crt'), 'utf8'), oldRoot);
  });

  it('with --force, sets the replaced CA\'s store aside, so its revocations cannot reach the new CRL', async () => {
    const home = join(dir, 'home');
    assert.equal((await fedca(initArgs(home))).status, 0);
    const store = await openStore({ type: 'sqlite', dataSource: 'db/fedca.sqlite' }, home);
    await store.storeCertificate({ serial: '42', der: Buffer.from([0x30, 0]), commonName: 'old', notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000), provisioner: 'ops' });
    assert.equal(await store.revoke({ serial: '42', reasonCode: 1, reason: '', revokedAt: new Date(), notAfter: new Date(Date.now() + 3600_000), provisioner: 'ops' }), 'revoked');
    await store.close();

    const r = await fedca(initArgs(home, '--force'));
    assert.equal(r.status, 0, r.stderr);
    const kept = /replaced CA's store kept as (\S+)/.exec(r.stdout)?.[1];
    assert.ok(kept && existsSync(kept), 'the old store is kept, not deleted');
    assert.equal(existsSync(join(home, 'db/fedca.sqlite')), false, 'the new CA starts with a fresh store');
    const old = await openStore({ type: 'sqlite', dataSource: kept }, home);
    try {
      assert.equal((await old.revocation('42'))?.reasonCode, 1);
    } finally {
      await old.close();
    }
  });

  const refused: [string, string[], RegExp][] = [
    ['a bad --address', ['--address', 'localhost'], /address/],
    ['an IPv6 --address without brackets', ['--address', '::1:9000'], /address/],
    ['a port over 65535', ['--address', '127.0.0.1:70000'], /address/],
    ['an empty --dns', ['--dns', ','], /dnsNames/],
    ['an unknown --kty', ['--kty', 'DSA'], /kty|EC, RSA or OKP/],
    ['an empty --name', ['--name', ' '], /name/],
  ];
  for (const [what, extra, message] of refused) {
    it(`refuses ${what} with one line naming it, and writes nothing`, async () => {
      const home = join(dir, 'home');
      const r = await fedca(initArgs(home, ...extra));
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, message);
      assertOneLine(r.stderr);
      assert.equal(existsSync(home), false, `init wrote ${JSON.stringify(snapshot(home))}`);
    });
  }

  it('refuses an empty password file and writes nothing', async () => {
    const home = join(dir, 'home');
    writeFileSync(passwordFile, '\n');
    const r = await fedca(initArgs(home));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /password file .* is empty/);
    assert.equal(existsSync(home), false);
  });
});
