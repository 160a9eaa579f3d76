import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '../src/pki/pem.js';
import { assertOneLine, fedca } from './helpers/cli.js';
import { openssl } from './helpers/exec.js';
import { otherRoot } from './helpers/fixtures.js';
import { tempDir } from './helpers/testCa.js';

/** openssl's SHA-256 fingerprint of a certificate file, as fedca prints it (lower-case hex, no colons). */
async function opensslFingerprint(file: string, inform: 'PEM' | 'DER' = 'PEM'): Promise<string> {
  const out = await openssl(['x509', '-noout', '-fingerprint', '-sha256', '-inform', inform, '-in', file]);
  const m = /Fingerprint=([0-9A-F:]+)/i.exec(out);
  assert.ok(m, out);
  return m[1].replace(/:/g, '').toLowerCase();
}

describe('fedca CLI', () => {
  describe('--help', () => {
    it('fedca --help lists the verbs', async () => {
      const r = await fedca(['--help']);
      assert.equal(r.status, 0);
      for (const verb of ['init', 'start', 'fingerprint']) assert.match(r.stdout, new RegExp(`^\\s+${verb}\\b`, 'm'), `${verb} is not listed`);
    });

    const options: Record<string, string[]> = {
      init: ['--home', '--name', '--dns', '--address', '--provisioner', '--password-file', '--kty', '--force'],
      start: ['--home', '--password-file', '--init', '--quiet'],
    };
    for (const [verb, flags] of Object.entries(options)) {
      it(`fedca ${verb} --help mentions each option`, async () => {
        const r = await fedca([verb, '--help']);
        assert.equal(r.status, 0);
        for (const flag of flags) assert.ok(r.stdout.includes(flag), `${flag} is not mentioned:\n${r.stdout}`);
      });
    }

    it('an unknown verb fails', async () => {
      const r = await fedca(['sing']);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /unknown command/);
    });
  });

  describe('fingerprint', () => {
    let dir: string;
    const first = otherRoot('First');
    const second = otherRoot('Second');
    before(() => {
      dir = tempDir();
      writeFileSync(join(dir, 'root.crt'), toPem(first));
      writeFileSync(join(dir, 'root.der'), first);
      writeFileSync(join(dir, 'bundle.pem'), 'a comment before the bundle\n' + toPem(first) + toPem(second));
      writeFileSync(join(dir, 'junk.txt'), 'no certificate here\n');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('prints the same SHA-256 as openssl for a PEM file', async () => {
      const r = await fedca(['fingerprint', join(dir, 'root.crt')]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, (await opensslFingerprint(join(dir, 'root.crt'))) + '\n');
    });

    it('reads DER files too', async () => {
      const r = await fedca(['fingerprint', join(dir, 'root.der')]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), await opensslFingerprint(join(dir, 'root.der'), 'DER'));
    });

    it("prints the first certificate's fingerprint for a bundle", async () => {
      const r = await fedca(['fingerprint', join(dir, 'bundle.pem')]);
      assert.equal(r.stdout.trim(), await opensslFingerprint(join(dir, 'root.crt')));
    });

    it('the fingerprint of a root is the one `fedca init` printed', async () => {
      const home = join(dir, 'home');
      const init = await fedca(['init', '--home', home, '--address', '127.0.0.1:0']);
      const printed = /root fingerprint: +([0-9a-f]{64})/.exec(init.stdout)?.[1];
      assert.ok(printed, init.stdout);
      const r = await fedca(['fingerprint', join(home, 'pki/root_ca.crt')]);
      assert.equal(r.stdout.trim(), printed);
    });

    for (const [what, file, message] of [
      ['a file with no certificate', 'junk.txt', /holds no readable certificate/],
      ['a missing file', 'missing.crt', /cannot read .*ENOENT/],
    ] as const) {
      it(`fails with one line for ${what}`, async () => {
        const r = await fedca(['fingerprint', join(dir, file)]);
        assert.equal(r.status, 1);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, message);
        assertOneLine(r.stderr);
      });
    }
  });
});
