import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import type { CaClient } from './caClient.js';
import { ProvisionerError, SingleSignOnError } from './errors.js';
import type { ProvisionerEntry } from './wire.js';

/** What a client needs of an OIDC provisioner (its `/provisioners` entry, step-ca's keys). */
export interface SingleSignOnSettings {
  readonly name: string;
  readonly clientID: string;
  readonly clientSecret?: string;
  readonly configurationEndpoint: string;
  /** HOST:PORT of the loopback redirect (default 127.0.0.1 and any free port). */
  readonly listenAddress?: string;
}

/** How a login runs. */
export interface LoginOptions {
  /** Called with the identity provider's login URL once the redirect listener is up: print it, open a browser. */
  readonly onAuthorizationUrl: (url: string) => void;
  /** PEM bundle the identity provider's HTTPS must chain to (default: Node's trust store and NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
  /** How long to wait for the person to log in (default 5 minutes). */
  readonly timeoutMs?: number;
  /** Scopes asked for (default `openid email`, as step asks). */
  readonly scope?: string;
}

const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_BODY_BYTES = 1024 * 1024;

/** One request to the identity provider over HTTPS; resolves its status and body. */
function idpRequest(url: URL, ca: string | undefined, init: { method?: 'GET' | 'POST'; form?: URLSearchParams; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  const body = init.form ? Buffer.from(init.form.toString()) : undefined;
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'https:') {
      reject(new SingleSignOnError(`the identity provider's ${url.href} is not https`));
      return;
    }
    const req = request(url, {
      method: init.method ?? 'GET',
      ...(ca ? { ca } : {}),
      headers: { accept: 'application/json', ...init.headers, ...(body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length } : {}) },
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new SingleSignOnError(`cannot reach the identity provider at ${url.origin}: ${err.message}`)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) res.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      res.on('error', (err) => reject(new SingleSignOnError(`reading the identity provider's answer from ${url.href}: ${err.message}`)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(body);
  });
}

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SingleSignOnError(`${what} is not a JSON object`);
}

/** The discovery document's endpoints (step-ca's rule for where it lives). */
async function discover(configurationEndpoint: string, ca: string | undefined): Promise<{ authorization: URL; token: URL }> {
  const url = new URL(configurationEndpoint);
  if (!url.pathname.includes('/.well-known/openid-configuration')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await idpRequest(url, ca);
  if (res.status !== 200) throw new SingleSignOnError(`the identity provider's configuration ${url.href} answered HTTP ${res.status}`);
  const doc = parseJson(res.body, `the identity provider's configuration ${url.href}`);
  const { authorization_endpoint: authorization, token_endpoint: token } = doc;
  if (typeof authorization !== 'string' || typeof token !== 'string') throw new SingleSignOnError(`${url.href} names no authorization_endpoint or token_endpoint`);
  return { authorization: new URL(authorization), token: new URL(token) };
}

/** Where the loopback redirect listens: `listenAddress` (HOST:PORT, `:PORT`) or 127.0.0.1 on any free port. */
function listenOn(listenAddress: string | undefined): { host: string; port: number } {
  if (!listenAddress) return { host: '127.0.0.1', port: 0 };
  const at = listenAddress.lastIndexOf(':');
  const host = listenAddress.slice(0, at).replace(/^\[|\]$/g, '') || '127.0.0.1';
  return { host, port: Number(listenAddress.slice(at + 1)) };
}

const PAGE = (text: string): string => `<!doctype html><meta charset="utf-8"><title>fedca</title><p>${text}</p>`;

/**
 * Waits on a loopback HTTP listener for the identity provider's redirect with the
 * authorization code (RFC 8252 §7.3); resolves the code. `ready` gets the redirect URI.
 */
function receiveCode(where: { host: string; port: number }, state: string, timeoutMs: number, ready: (redirectUri: string) => void): Promise<{ code: string; redirectUri: string }> {
  return new Promise((resolve, reject) => {
    let redirectUri = '';
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const params = url.searchParams;
      if (url.pathname !== '/' || (!params.has('code') && !params.has('error'))) {
        res.writeHead(404, { 'content-type': 'text/html' }).end(PAGE('Not the login redirect.'));
        return;
      }
      if (params.get('state') !== state) {
        res.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('This login answer is not for the login in progress.'));
        return;
      }
      const error = params.get('error');
      if (error) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE('Login failed; see the terminal.'));
        finish(new SingleSignOnError(`the identity provider refused the login: ${error}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}`));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE('Logged in. You can close this window and return to the terminal.'));
      finish(undefined, params.get('code') ?? '');
    });
    const timer = setTimeout(() => finish(new SingleSignOnError(`no login within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    function finish(err: Error | undefined, code = ''): void {
      clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      if (err) reject(err);
      else resolve({ code, redirectUri });
    }
    server.on('error', (err) => finish(new SingleSignOnError(`cannot listen for the login redirect on ${where.host}:${where.port}: ${err.message}`)));
    server.listen(where.port, where.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = where.host.includes(':') ? `[${where.host}]` : where.host;
      redirectUri = `http://${host}:${port}/`;
      try {
        ready(redirectUri);
      } catch (err) {
        finish(err as Error);
      }
    });
  });
}

/**
 * Logs a person in at the identity provider of an OIDC provisioner, as `step` does:
 * the authorization-code flow with PKCE (S256), a `state` and a `nonce`, on a
 * 127.0.0.1 loopback redirect. Resolves the ID token, which the CA takes as a
 * one-time token. Throws SingleSignOnError.
 */
export async function logIn(settings: SingleSignOnSettings, options: LoginOptions): Promise<string> {
  const endpoints = await discover(settings.configurationEndpoint, options.ca);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('hex');
  const { code, redirectUri } = await receiveCode(listenOn(settings.listenAddress), state, options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS, (redirect) => {
    const url = new URL(endpoints.authorization);
    url.search = new URLSearchParams({
      ...Object.fromEntries(url.searchParams),
      client_id: settings.clientID,
      redirect_uri: redirect,
      response_type: 'code',
      scope: options.scope ?? 'openid email',
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    options.onAuthorizationUrl(url.href);
  });
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: settings.clientID });
  const headers: Record<string, string> = {};
  if (settings.clientSecret) {
    // client_secret_basic (RFC 6749 §2.3.1): both parts form-encoded, then base64.
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(settings.clientID)}:${encodeURIComponent(settings.clientSecret)}`).toString('base64')}`;
    form.delete('client_id');
  }
  const res = await idpRequest(endpoints.token, options.ca, { method: 'POST', form, headers });
  const answer = parseJson(res.body, `the identity provider's token answer`);
  if (res.status !== 200) throw new SingleSignOnError(`the identity provider refused the code: ${String(answer.error ?? res.status)}${answer.error_description ? ` (${String(answer.error_description)})` : ''}`);
  const idToken = answer.id_token;
  if (typeof idToken !== 'string') throw new SingleSignOnError('the identity provider sent no ID token (is "openid" among the scopes?)');
  let claims;
  try {
    claims = decodeJwt(idToken);
  } catch {
    throw new SingleSignOnError('the identity provider sent an ID token that is not a JWT');
  }
  if (claims.nonce !== nonce) throw new SingleSignOnError('the ID token is not for this login (nonce)');
  return idToken;
}

/**
 * The OIDC provisioner of a CA by name, from `/provisioners`.
 * Throws ProvisionerError when the CA has none of that name or it is not OIDC.
 */
export async function singleSignOnSettings(client: CaClient, name: string): Promise<SingleSignOnSettings> {
  return singleSignOnSettingsIn(await client.provisioners(), name);
}

/** As `singleSignOnSettings`, from `all`, a CA's `/provisioners` listing already fetched. */
export function singleSignOnSettingsIn(all: readonly ProvisionerEntry[], name: string): SingleSignOnSettings {
  const entry = all.find((p) => p.name === name);
  if (!entry) throw new ProvisionerError(`the CA has no provisioner named "${name}" (provisioners: ${all.map((p) => p.name).join(', ') || 'none'})`);
  if (entry.type !== 'OIDC') throw new ProvisionerError(`the provisioner "${name}" is of type ${entry.type}, not OIDC`);
  const { clientID, clientSecret, configurationEndpoint, listenAddress } = entry;
  if (typeof clientID !== 'string' || typeof configurationEndpoint !== 'string') throw new ProvisionerError(`the provisioner "${name}" lists no clientID or configurationEndpoint`);
  return {
    name,
    clientID,
    configurationEndpoint,
    ...(typeof clientSecret === 'string' && clientSecret !== '' ? { clientSecret } : {}),
    ...(typeof listenAddress === 'string' && listenAddress !== '' ? { listenAddress } : {}),
  };
}
