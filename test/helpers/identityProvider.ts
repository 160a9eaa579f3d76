import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';
import { miniPki } from './miniPki.js';
import { initTestHome, startTestCa, tempDir, type TestCa } from './testCa.js';

/** A person known to the test identity provider. */
export interface TestAccount {
  readonly email: string;
  readonly groups: readonly string[];
}

/** The client fedca's OIDC provisioner is registered as. */
export const CLIENT_ID = 'fedca-sso';
export const CLIENT_SECRET = 'fedca-sso-secret';

/** A real OpenID provider (panva's oidc-provider) on https://127.0.0.1 with accounts, groups and consent. */
export interface TestIdentityProvider {
  readonly issuer: string;
  readonly configurationEndpoint: string;
  /** The root its HTTPS certificate chains to, PEM, and a file holding it (for caBundle and NODE_EXTRA_CA_CERTS). */
  readonly caPem: string;
  readonly caFile: string;
  /** Completes a login over HTTP from the authorization URL as `accountId`: login form, consent, then follows the redirect to the loopback. */
  logIn(authorizationUrl: string, accountId: string): Promise<void>;
  /** Signs an ID token with the provider's current key, as the provider would (claims overridable). */
  mintIdToken(claims: JWTPayload): Promise<string>;
  /** Replaces the provider's signing key: the JWKS then lists only the new one. */
  rotateKey(): Promise<void>;
  stop(): Promise<void>;
}

interface SigningKey {
  readonly kid: string;
  readonly key: KeyObject;
  readonly jwk: JWK;
}

function newSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const kid = randomBytes(8).toString('hex');
  return { kid, key: privateKey, jwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'ES256', use: 'sig' } };
}

function newProvider(issuer: string, accounts: Readonly<Record<string, TestAccount>>, key: SigningKey): Provider {
  return new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [key.jwk] },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: account.email, email_verified: true, groups: [...account.groups] }) };
    },
    // Groups come with the openid scope, as IdPs configured to send them do; claims go into the ID token.
    claims: { openid: ['sub', 'groups'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
}

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Starts the identity provider on 127.0.0.1 (a free port) with `accounts` by account id. */
export async function startIdentityProvider(accounts: Readonly<Record<string, TestAccount>>): Promise<TestIdentityProvider> {
  const pki = miniPki('Test IdP');
  const identity = pki.serverIdentity(['127.0.0.1', 'localhost']);
  const dir = tempDir('fedca-idp-');
  const caFile = join(dir, 'idp-root.pem');
  writeFileSync(caFile, pki.rootPem);
  let key = newSigningKey();
  let provider: Provider | undefined;
  const server: Server = createServer({ key: identity.keyPem, cert: identity.chainPem }, (req, res) => {
    if (provider) void provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = newProvider(issuer, accounts, key);

  const cookies = new Map<string, string>();
  const send = (url: URL, method: 'GET' | 'POST', form?: URLSearchParams): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body = form ? Buffer.from(form.toString()) : undefined;
      const headers: Record<string, string | number> = { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
      if (body) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length });
      const req = url.protocol === 'https:' ? request(url, { method, headers, ca: pki.rootPem }) : httpRequest(url, { method, headers });
      req.on('error', reject);
      req.on('response', (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair] = c.split(';');
          const eq = pair.indexOf('=');
          cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.end(body);
    });

  return {
    issuer,
    configurationEndpoint: `${issuer}/.well-known/openid-configuration`,
    caPem: pki.rootPem,
    caFile,
    async logIn(authorizationUrl, accountId) {
      cookies.clear();
      let url = new URL(authorizationUrl);
      let method: 'GET' | 'POST' = 'GET';
      let form: URLSearchParams | undefined;
      // Authorization, login form, consent form, each with its redirects: well under 20 steps.
      for (let step = 0; step < 20; step++) {
        const res = await send(url, method, form);
        if (url.origin !== issuer) return; // the loopback redirect has been delivered
        if (res.status >= 300 && res.status < 400) {
          url = new URL(String(res.headers.location), url);
          method = 'GET';
          form = undefined;
          continue;
        }
        const prompt = /name="prompt" value="(login|consent)"/.exec(res.body)?.[1];
        if (res.status !== 200 || !prompt) throw new Error(`identity provider answered ${res.status} at ${url.pathname}: ${res.body.slice(0, 300)}`);
        method = 'POST';
        form = prompt === 'login' ? new URLSearchParams({ prompt, login: accountId, password: 'any' }) : new URLSearchParams({ prompt });
      }
      throw new Error('the login did not reach the redirect');
    },
    mintIdToken(claims) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: CLIENT_ID, iat: now, exp: now + 300, nonce: randomBytes(8).toString('hex'), ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
        .sign(createPrivateKey(key.key.export({ format: 'pem', type: 'pkcs8' })));
    },
    async rotateKey() {
      key = newSigningKey();
      provider = newProvider(issuer, accounts, key);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test CA with an OIDC provisioner "sso" for `idp`: domain corp.example, groups
 * staff and ops, admin root@ops.example, the IdP's root as its caBundle, and
 * vpn-users → openvpn-client, vpn-admins → openvpn-client + openvpn-server.
 */
export async function startSsoCa(idp: TestIdentityProvider): Promise<TestCa> {
  const home = await initTestHome();
  copyFileSync(idp.caFile, join(home.home, 'config/idp-ca.pem'));
  const file = join(home.home, 'config/ca.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as { authority: { provisioners: unknown[] } };
  config.authority.provisioners.push({
    type: 'OIDC',
    name: 'sso',
    clientID: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    configurationEndpoint: idp.configurationEndpoint,
    domains: ['corp.example'],
    groups: ['staff', 'ops'],
    admins: ['root@ops.example'],
    caBundle: 'config/idp-ca.pem',
    options: { groupProfiles: { 'vpn-users': ['openvpn-client'], 'vpn-admins': ['openvpn-client', 'openvpn-server'] } },
  });
  writeFileSync(file, JSON.stringify(config));
  return startTestCa({ home });
}

/** The people of the test identity provider, by account id. */
export const ACCOUNTS: Readonly<Record<string, TestAccount>> = {
  alice: { email: 'alice@corp.example', groups: ['staff', 'vpn-users'] },
  bob: { email: 'bob@elsewhere.example', groups: ['staff', 'vpn-users'] },
  carol: { email: 'carol@corp.example', groups: ['contractors'] },
  olga: { email: 'olga@corp.example', groups: ['staff', 'vpn-admins'] },
  root: { email: 'root@ops.example', groups: ['ops'] },
};
