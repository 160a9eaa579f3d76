import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifySans } from '../src/pki/extensions.js';
import { createIssuer } from '../src/pki/issuer.js';
import { generateKey, spkiDer, type KeySpec } from '../src/pki/keys.js';
import { pemDers } from '../src/pki/pem.js';
import { createPkcs12 } from '../src/pki/pkcs12.js';
import { issueIntermediate, issueLeaf, issueRoot } from '../src/pki/issueCertificate.js';
import { tempDir } from './helpers/testCa.js';

/** Runs `openssl pkcs12 -in FILE -passin pass:PASSWORD ARGS`. */
function opensslPkcs12(file: string, password: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('pki/pkcs12: createPkcs12', () => {
  let dir: string;
  const rootKey = generateKey({ kty: 'EC' });
  const root = issueRoot('P12', rootKey);
  const intermediateKey = generateKey({ kty: 'EC' });
  const intermediate = issueIntermediate('P12', intermediateKey, createIssuer(root, rootKey));
  const issuer = createIssuer(intermediate, intermediateKey);

  function leafFor(spec: KeySpec) {
    const key = generateKey(spec);
    const now = Date.now();
    const certificate = issueLeaf(
      { commonName: 'laptop-9', sans: classifySans(['laptop-9']), publicKey: spkiDer(key), notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000), rsaKey: spec.kty === 'RSA' },
      issuer,
    );
    return { key, certificate };
  }

  before(() => {
    dir = tempDir('fedca-p12-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const spec of [{ kty: 'EC' }, { kty: 'RSA' }, { kty: 'OKP' }] as KeySpec[]) {
    it(`openssl pkcs12 opens it with the password: the ${spec.kty} key, its certificate, the CA chain`, () => {
      const { key, certificate } = leafFor(spec);
      const file = join(dir, `${spec.kty}.p12`);
      writeFileSync(file, createPkcs12({ key, certificate, caCertificates: [intermediate, root], friendlyName: 'laptop-9' }, 'pässword 1'));

      const info = opensslPkcs12(file, 'pässword 1', '-info', '-noenc');
      assert.equal(info.status, 0, info.stderr);
      assert.match(info.stderr, /MAC: sha256, Iteration \d+/);
      assert.match(info.stderr, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
      assert.match(info.stderr, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
      assert.match(info.stdout, /friendlyName: laptop-9/);

      const leaf = opensslPkcs12(file, 'pässword 1', '-nokeys', '-clcerts');
      assert.deepEqual(pemDers(leaf.stdout), [certificate]);
      const cas = opensslPkcs12(file, 'pässword 1', '-nokeys', '-cacerts');
      assert.deepEqual(pemDers(cas.stdout).map((d) => d.toString('hex')).sort(), [intermediate, root].map((d) => d.toString('hex')).sort());
      const keyOut = opensslPkcs12(file, 'pässword 1', '-nocerts', '-noenc');
      const extracted = createPublicKey(keyOut.stdout).export({ format: 'der', type: 'spki' });
      assert.deepEqual(extracted, new X509Certificate(certificate).publicKey.export({ format: 'der', type: 'spki' }), 'the key is the certificate\'s');
    });
  }

  it('a wrong password is refused by the MAC check', () => {
    const { key, certificate } = leafFor({ kty: 'EC' });
    const file = join(dir, 'wrong.p12');
    writeFileSync(file, createPkcs12({ key, certificate }, 'right'));
    const run = opensslPkcs12(file, 'wrong', '-noenc');
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /mac verify (failure|error)/i);
  });

  it('refuses an empty password', () => {
    const { key, certificate } = leafFor({ kty: 'EC' });
    assert.throws(() => createPkcs12({ key, certificate }, ''), RangeError);
  });
});
