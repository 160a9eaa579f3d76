import 'reflect-metadata';
import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { Unauthorized } from '../src/errors.js';
import { provisionerFromConfig } from '../src/provisioners/fromConfig.js';
import { JWKS_REFETCH_COOLDOWN_MS } from '../src/provisioners/identityProvider.js';
import { decodeJws } from '../src/provisioners/jws.js';
import { CaClient } from '../src/sdk/caClient.js';
import { logIn, singleSignOnSettings } from '../src/sdk/singleSignOn.js';
import { opensslCsr } from './helpers/csr.js';
import { assertJsonError, get, post } from './helpers/http.js';
import { ACCOUNTS, CLIENT_ID, CLIENT_SECRET, startIdentityProvider, startSsoCa, type TestIdentityProvider } from './helpers/identityProvider.js';
import type { TestCa } from './helpers/testCa.js';

/** Waits `ms` (bounded: used only to step past the JWKS refetch cooldown). */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('OIDC provisioner: certificates through single sign-on', function () {
  this.timeout(60_000);
  let idp: TestIdentityProvider;
  let ca: TestCa;
  let client: CaClient;

  before(async () => {
    idp = await startIdentityProvider(ACCOUNTS);
    ca = await startSsoCa(idp);
    client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
  });
  after(async () => {
    client?.close();
    await ca?.stop();
    await idp?.stop();
  });

  /** Logs `account` in at the IdP through the SDK, the login completed over HTTP; resolves the ID token. */
  async function idTokenOf(account: string): Promise<string> {
    const settings = await singleSignOnSettings(client, 'sso');
    let done: Promise<void> = Promise.resolve();
    const token = await logIn(settings, { ca: idp.caPem, timeoutMs: 30_000, onAuthorizationUrl: (url) => (done = idp.logIn(url, account)) });
    await done;
    return token;
  }

  const sign = (ott: string, cn: string, sans: string[] = [`email:${cn}`], profile?: string) =>
    post(ca, '/1.0/sign', JSON.stringify({ csr: opensslCsr('P-256', cn, sans).csrPem, ott, ...(profile ? { templateData: { profile } } : {}) }));

  it('lists the provisioner with what step needs to log in (clientID, clientSecret, configurationEndpoint)', async () => {
    const list = (await get(ca, '/provisioners')).body as { provisioners: Record<string, unknown>[] };
    const sso = list.provisioners.find((p) => p.name === 'sso');
    assert.deepEqual([sso?.type, sso?.clientID, sso?.clientSecret, sso?.configurationEndpoint], ['OIDC', CLIENT_ID, CLIENT_SECRET, idp.configurationEndpoint]);
  });

  it('a member of the allowed domain and group logs in and gets a certificate for their email and ISSUER#sub, the groups recorded', async () => {
    const ott = await idTokenOf('alice');
    const res = await sign(ott, 'alice@corp.example', ['email:alice@corp.example'], 'openvpn-client');
    assert.equal(res.status, 201, res.text);
    const cert = new x509.X509Certificate(res.body.crt as string);
    assert.equal(cert.subject, 'CN=alice@corp.example');
    const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON().map((n) => `${n.type}:${n.value}`);
    assert.deepEqual(names?.sort(), ['email:alice@corp.example', `url:${idp.issuer}/#alice`].sort());
    assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], ['1.3.6.1.5.5.7.3.2']);
    const serial = BigInt('0x' + new X509Certificate(res.body.crt as string).serialNumber).toString(10);
    const record = await ca.authority.store.certificate(serial);
    assert.deepEqual(record?.groups, ['staff', 'vpn-users']);
    assert.equal(record?.provisioner, 'sso');
    // The same ID token twice: single use, like every token.
    assertJsonError(await sign(ott, 'alice@corp.example', ['email:alice@corp.example'], 'openvpn-client'), 401, /token already used/);
  });

  it('group → profile mapping: vpn-users get openvpn-client only, vpn-admins openvpn-server too', async () => {
    assertJsonError(await sign(await idTokenOf('alice'), 'alice@corp.example', undefined, 'openvpn-server'), 403, /does not allow the openvpn-server profile/);
    assertJsonError(await sign(await idTokenOf('alice'), 'alice@corp.example'), 403, /does not allow the default profile/);
    const res = await sign(await idTokenOf('olga'), 'olga@corp.example', undefined, 'openvpn-server');
    assert.equal(res.status, 201, res.text);
  });

  it('refuses an email of another domain, and a person in none of the allowed groups (401)', async () => {
    assertJsonError(await sign(await idTokenOf('bob'), 'bob@elsewhere.example'), 401, /not in an allowed domain/);
    assertJsonError(await sign(await idTokenOf('carol'), 'carol@corp.example'), 401, /not a member of an allowed group/);
  });

  it('refuses a CSR for names other than the email (403), but an admin gets any names', async () => {
    assertJsonError(await sign(await idTokenOf('alice'), 'vpn.corp.example', ['DNS:vpn.corp.example'], 'openvpn-client'), 403, /common name/);
    const res = await sign(await idTokenOf('root'), 'vpn.corp.example', ['DNS:vpn.corp.example', 'DNS:vpn2.corp.example']);
    assert.equal(res.status, 201, res.text);
    const cert = new x509.X509Certificate(res.body.crt as string);
    assert.equal(cert.subject, 'CN=vpn.corp.example');
    assert.deepEqual(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON().map((n) => n.value).sort(), ['vpn.corp.example', 'vpn2.corp.example']);
  });

  it('refuses expired, wrong-audience, wrong-issuer, wrong-azp tokens and one signed by a key not in the JWKS (401)', async () => {
    const person = { sub: 'alice', email: 'alice@corp.example', groups: ['staff', 'vpn-users'] };
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string, RegExp][] = [
      ['expired', await idp.mintIdToken({ ...person, iat: now - 600, exp: now - 120 }), /token expired/],
      // Another audience finds no provisioner (step-ca's lookup is by azp, then aud).
      ['wrong audience', await idp.mintIdToken({ ...person, aud: 'someone-else' }), /no provisioner has its key id \(kid\), authorized party \(azp\) or audience \(aud\)/],
      ['wrong audience with the right azp', await idp.mintIdToken({ ...person, aud: 'someone-else', azp: CLIENT_ID }), /audience \(aud\) is not the provisioner's client id/],
      ['wrong issuer', await idp.mintIdToken({ ...person, iss: 'https://127.0.0.1:1' }), /issuer \(iss\)/],
      ['wrong azp', await idp.mintIdToken({ ...person, azp: 'someone-else' }), /authorized party \(azp\)/],
    ];
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const forged = await new SignJWT({ ...person, iss: idp.issuer, aud: CLIENT_ID, iat: now, exp: now + 300 }).setProtectedHeader({ alg: 'ES256', kid: 'not-in-the-jwks' }).sign(privateKey);
    cases.push(['unknown key', forged, /no key of the identity provider's JWKS/]);
    const sameKid = await new SignJWT({ ...person, iss: idp.issuer, aud: CLIENT_ID, iat: now, exp: now + 300 })
      .setProtectedHeader({ alg: 'ES256', kid: decodeProtectedHeader(await idp.mintIdToken(person)).kid })
      .sign(privateKey);
    cases.push(['a known kid but another key', sameKid, /signature verification failed/]);
    for (const [what, ott, message] of cases) {
      const res = await sign(ott, 'alice@corp.example', undefined, 'openvpn-client');
      assert.equal(res.status, 401, `${what}: ${res.text}`);
      assertJsonError(res, 401, message);
    }
  });

  it('picks up the JWKS rotated at the identity provider', async () => {
    const person = { sub: 'alice', email: 'alice@corp.example', groups: ['staff', 'vpn-users'] };
    assert.equal((await sign(await idp.mintIdToken(person), 'alice@corp.example', undefined, 'openvpn-client')).status, 201);
    await idp.rotateKey();
    await pause(JWKS_REFETCH_COOLDOWN_MS + 200);
    const res = await sign(await idp.mintIdToken(person), 'alice@corp.example', undefined, 'openvpn-client');
    assert.equal(res.status, 201, res.text);
    // And a real login after the rotation works too.
    assert.equal((await sign(await idTokenOf('alice'), 'alice@corp.example', undefined, 'openvpn-client')).status, 201);
  });

  it('an identity provider that cannot be reached: a clear 401, asked again at the next token', async () => {
    const p = provisionerFromConfig({ type: 'OIDC', name: 'down', clientID: 'c', configurationEndpoint: 'https://127.0.0.1:1' }, { home: ca.home });
    const token = decodeJws(await idp.mintIdToken({ sub: 'alice', aud: 'c' }));
    const context = { dnsNames: ['localhost'], rootFingerprints: new Set<string>(), now: new Date(), isRevoked: async () => false };
    for (let i = 0; i < 2; i++) {
      await assert.rejects(p.authorizeSign(token, context), (err: unknown) => err instanceof Unauthorized && /https:\/\/127\.0\.0\.1:1\/\.well-known\/openid-configuration is unavailable/.test(err.message));
    }
  });

  it('only an admin\'s ID token revokes', async () => {
    const issued = await sign(await idTokenOf('alice'), 'alice@corp.example', undefined, 'openvpn-client');
    const serial = BigInt('0x' + new X509Certificate(issued.body.crt as string).serialNumber).toString(10);
    const revoke = async (ott: string) => post(ca, '/1.0/revoke', JSON.stringify({ serial, ott, reasonCode: 0, passive: true }));
    assertJsonError(await revoke(await idTokenOf('alice')), 401, /only an administrator/);
    assert.equal((await revoke(await idTokenOf('root'))).status, 200);
  });
});
