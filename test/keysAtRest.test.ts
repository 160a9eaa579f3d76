import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { loadAuthority } from '../src/home/load.js';
import { children, readInteger, readOid, readRoot } from '../src/pki/der.js';
import { generateKey, KEY_AT_REST_ITERATIONS, privateKeyPem, readPrivateKey } from '../src/pki/keys.js';
import { OID } from '../src/pki/oids.js';
import { pemDers } from '../src/pki/pem.js';
import { initTestHome, type TestHome } from './helpers/testCa.js';

/** The KDF and its iteration count of a PBES2 EncryptedPrivateKeyInfo (RFC 5958, RFC 8018 §A.2). */
function pbkdf2Of(pem: string): { scheme: string; kdf: string; iterations: bigint } {
  const [der] = pemDers(pem, 'ENCRYPTED PRIVATE KEY');
  const [algorithm] = children(der, readRoot(der));
  const [scheme, params] = children(der, algorithm);
  const [kdf] = children(der, params);
  const [kdfOid, kdfParams] = children(der, kdf);
  const [, iterations] = children(der, kdfParams);
  return { scheme: readOid(der, scheme), kdf: readOid(der, kdfOid), iterations: readInteger(der, iterations) };
}

describe('CA keys at rest', () => {
  let home: TestHome;
  before(async () => {
    home = await initTestHome();
  });
  after(() => rmSync(home.home, { recursive: true, force: true }));

  it('init encrypts the root and intermediate keys with PBES2, PBKDF2-HMAC-SHA256 at 600,000 iterations or more', () => {
    assert.ok(KEY_AT_REST_ITERATIONS >= 600_000);
    for (const file of ['pki/secrets/root_ca_key', 'pki/secrets/intermediate_ca_key']) {
      const pem = readFileSync(join(home.home, file), 'utf8');
      assert.deepEqual(pbkdf2Of(pem), { scheme: OID.pbes2, kdf: OID.pbkdf2, iterations: BigInt(KEY_AT_REST_ITERATIONS) }, file);
      assert.throws(() => readPrivateKey(pem, 'wrong'), /wrong password/);
    }
  });

  it('a key encrypted as older versions did (OpenSSL default, 2,048 iterations) still loads', async () => {
    const key = generateKey({ kty: 'EC' });
    const old = key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'old-password' }).toString();
    assert.equal(pbkdf2Of(old).iterations, 2048n, 'the fixture is not made the old way');
    assert.ok(readPrivateKey(old, 'old-password').equals(key));

    // A whole home whose intermediate key was written the old way serves.
    const file = join(home.home, 'pki/secrets/intermediate_ca_key');
    const intermediate = readPrivateKey(readFileSync(file, 'utf8'), home.password);
    writeFileSync(file, intermediate.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: home.password }));
    assert.equal(pbkdf2Of(readFileSync(file, 'utf8')).iterations, 2048n);
    const authority = await loadAuthority(home.home, loadConfig(home.home), home.password);
    await authority.store.close();
  });

  it('an unencrypted key is plain PKCS#8 PEM, as before', () => {
    const key = generateKey({ kty: 'EC' });
    assert.equal(privateKeyPem(key), key.export({ format: 'pem', type: 'pkcs8' }).toString());
  });
});
