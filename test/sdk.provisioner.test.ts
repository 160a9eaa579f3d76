import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { newJwkProvisioner } from '../src/provisioners/jwkKeys.js';
import { CaClient } from '../src/sdk/caClient.js';
import { ProvisionerError } from '../src/sdk/errors.js';
import { Provisioner } from '../src/sdk/provisioner.js';
import { decryptProvisionerKey } from '../src/sdk/provisionerKey.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

describe('Provisioner (JWK tokens)', () => {
  let ca: TestCa;
  let client: CaClient;
  let provisioner: Provisioner;
  let publicKey: JWK;
  before(async () => {
    ca = await startTestCa();
    client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
    provisioner = await Provisioner.load(client, { name: 'admin' }, ca.password);
    const [admin] = await client.provisioners();
    publicKey = admin.key as JWK;
  });
  after(async () => {
    client.close();
    await ca.stop();
  });

  it('a sign token has the header and every claim of api.md, and verifies with the listed public key', async () => {
    const token = await provisioner.token('svc.example');
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', kid: publicKey.kid, typ: 'JWT' });
    const { payload } = await jwtVerify(token, await importJWK(publicKey, 'ES256'), {
      issuer: 'admin',
      audience: `${ca.url}/1.0/sign`,
      subject: 'svc.example',
    });
    assert.deepEqual(payload.sans, ['svc.example']);
    assert.equal(payload.sha, ca.rootFingerprint);
    assert.match(String(payload.jti), /^[0-9a-f]{64}$/);
    assert.equal(payload.nbf, payload.iat);
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 300);
    assert.ok(Math.abs((payload.iat ?? 0) - Date.now() / 1000) < 120, 'iat is now');
  });

  it('carries the SANs it is given, and a fresh jti each time', async () => {
    const a = decodeJwt(await provisioner.token('svc', { sans: ['svc.example', '10.0.0.7'] }));
    const b = decodeJwt(await provisioner.token('svc'));
    assert.deepEqual(a.sans, ['svc.example', '10.0.0.7']);
    assert.notEqual(a.jti, b.jti);
  });

  it('notAfter sets exp; audience can be overridden', async () => {
    const notAfter = new Date(Date.now() + 60_000);
    const claims = decodeJwt(await provisioner.token('svc', { notAfter, audience: 'https://ca.example/1.0/sign' }));
    assert.equal(claims.exp, Math.floor(notAfter.getTime() / 1000));
    assert.equal(claims.aud, 'https://ca.example/1.0/sign');
  });

  it('lifetimeMs counts from the token\'s own iat, exactly; with notAfter too it is a TypeError', async () => {
    for (const lifetimeMs of [60_000, 1_000, 3_600_000]) {
      const claims = decodeJwt(await provisioner.token('svc', { lifetimeMs }));
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), lifetimeMs / 1000);
      const revoke = decodeJwt(await provisioner.revokeToken('42', { lifetimeMs }));
      assert.equal((revoke.exp ?? 0) - (revoke.iat ?? 0), lifetimeMs / 1000);
    }
    await assert.rejects(provisioner.token('svc', { lifetimeMs: 60_000, notAfter: new Date(Date.now() + 60_000) }), { name: 'TypeError', message: 'give a token notAfter or lifetimeMs, not both' });
    await assert.rejects(provisioner.token('svc', { lifetimeMs: 0 }), RangeError);
  });

  it('refuses a notAfter in the past and an empty subject', async () => {
    await assert.rejects(provisioner.token('svc', { notAfter: new Date(Date.now() - 1000) }), RangeError);
    await assert.rejects(provisioner.token(''), TypeError);
  });

  it('a revoke token names the serial as sub, the revoke audience, and no sans', async () => {
    const token = await provisioner.revokeToken('123456789012345678901234567890');
    const claims = decodeJwt(token);
    assert.equal(claims.sub, '123456789012345678901234567890');
    assert.equal(claims.aud, `${ca.url}/1.0/revoke`);
    assert.equal(claims.iss, 'admin');
    assert.equal(claims.sha, ca.rootFingerprint);
    assert.equal(claims.sans, undefined);
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 300);
    await assert.rejects(provisioner.revokeToken('0x1f'), /not a decimal serial/);
  });

  it('loads by key id, and with no selector takes the only JWK provisioner', async () => {
    const byKid = await Provisioner.load(client, { kid: publicKey.kid }, ca.password);
    assert.equal(byKid.name, 'admin');
    const only = await Provisioner.load(client, {}, ca.password);
    assert.equal(only.kid, publicKey.kid);
  });

  it('a wrong password is a clear error', async () => {
    await assert.rejects(Provisioner.load(client, { name: 'admin' }, 'wrong'), (err: Error) => {
      assert.ok(err instanceof ProvisionerError);
      assert.equal(err.message, 'cannot decrypt the provisioner key: wrong password?');
      return true;
    });
  });

  it('an unknown provisioner name is an error listing the ones there are', async () => {
    await assert.rejects(Provisioner.load(client, { name: 'nope' }, ca.password), /no provisioner named "nope" \(JWK provisioners: admin\)/);
  });
});

describe('decryptProvisionerKey', () => {
  it('decrypts the JWE fedca init makes, and checks the key id', async () => {
    const config = await newJwkProvisioner('p', 'pw');
    const key = await decryptProvisionerKey(config.encryptedKey ?? '', 'pw', config.key.kid);
    assert.equal(key.alg, 'ES256');
    assert.equal(key.kid, config.key.kid);
    await assert.rejects(decryptProvisionerKey(config.encryptedKey ?? '', 'pw', 'another-kid'), /not the provisioner's key/);
  });

  it('refuses something that is not a JWE', async () => {
    await assert.rejects(decryptProvisionerKey('not.a.jwe', 'pw'), ProvisionerError);
  });
});

describe('Provisioner.load on a CA with two JWK provisioners', () => {
  let ca: TestCa;
  let client: CaClient;
  before(async () => {
    const ops = await newJwkProvisioner('ops', 'ops-password');
    ca = await startTestCa({ editConfig: (config) => void (config.authority as { provisioners: unknown[] }).provisioners.push(ops) });
    client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
  });
  after(async () => {
    client.close();
    await ca.stop();
  });

  it('needs a name or key id to choose', async () => {
    await assert.rejects(Provisioner.load(client, {}, ca.password), /several JWK provisioners \(admin, ops\)/);
  });

  it('each provisioner opens with its own password', async () => {
    assert.equal((await Provisioner.load(client, { name: 'ops' }, 'ops-password')).name, 'ops');
    await assert.rejects(Provisioner.load(client, { name: 'ops' }, ca.password), /wrong password\?/);
  });
});
