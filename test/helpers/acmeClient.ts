import { createHmac } from 'node:crypto';
import { exportJWK, FlattenedSign, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { pemDers } from '../../src/pki/pem.js';
import { https, type HttpsResponse } from './https.js';
import type { CaEndpoint } from './testCa.js';

/** An account key: the private key that signs, and its public JWK. */
export interface AcmeKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly alg: string;
}

/** A fresh ES256 account key. */
export async function acmeKey(): Promise<AcmeKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: await exportJWK(publicKey), alg: 'ES256' };
}

/** How one request is signed: by `jwk` or by `kid`, with a chosen nonce or URL to refuse. */
export interface SignAs {
  readonly key?: AcmeKey;
  readonly kid?: string;
  readonly jwk?: boolean;
  readonly nonce?: string;
  readonly url?: string;
}

/** Signs `payload` (an object, or '' for POST-as-GET) as a flattened JWS. */
export async function signJws(payload: unknown, header: Record<string, unknown>, key: AcmeKey): Promise<Record<string, string>> {
  const bytes = payload === '' ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(payload));
  return (await new FlattenedSign(bytes).setProtectedHeader({ alg: key.alg, ...header }).sign(key.privateKey)) as unknown as Record<string, string>;
}

/** An external account binding for `jwk`, MACed (HS256) with `hmacKey` under `keyId`. */
export function externalAccountBinding(jwk: JWK, keyId: string, hmacKey: Buffer, url: string): Record<string, string> {
  const protectedB64 = Buffer.from(JSON.stringify({ alg: 'HS256', kid: keyId, url })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(jwk)).toString('base64url');
  const signature = createHmac('sha256', hmacKey).update(`${protectedB64}.${payload}`).digest('base64url');
  return { protected: protectedB64, payload, signature };
}

/**
 * A small ACME client for tests, driving the protocol step by step so that each
 * refusal can be provoked: every request can be signed with another key, nonce or URL.
 */
export class TestAcmeClient {
  directory: Record<string, string> = {};
  accountUrl = '';
  /** Where requests go (a replica of `ca`); the Host header stays the directory's, as behind a balancer. */
  via: CaEndpoint;

  constructor(
    readonly ca: CaEndpoint,
    readonly key: AcmeKey,
    readonly provisioner = 'acme',
  ) {
    this.via = ca;
  }

  get directoryPath(): string {
    return `/acme/${this.provisioner}/directory`;
  }

  /** Reads the directory. */
  async load(): Promise<this> {
    const res = await https(this.ca, this.directoryPath);
    if (res.status !== 200) throw new Error(`directory: ${res.status} ${res.body.toString()}`);
    this.directory = res.json<Record<string, string>>();
    return this;
  }

  /** A path of this CA from one of its URLs. */
  path(url: string): string {
    return new URL(url).pathname;
  }

  /** A fresh nonce (HEAD newNonce). */
  async nonce(): Promise<string> {
    const res = await https(this.via, this.path(this.directory.newNonce), { method: 'HEAD', headers: { host: new URL(this.directory.newNonce).host } });
    return String(res.headers['replay-nonce']);
  }

  /** POSTs a JWS to `url`: by kid (the account) unless `as.jwk`. */
  async post(url: string, payload: unknown, as: SignAs = {}): Promise<HttpsResponse> {
    const key = as.key ?? this.key;
    const header: Record<string, unknown> = { nonce: as.nonce ?? (await this.nonce()), url: as.url ?? url };
    if (as.jwk) header.jwk = key.jwk;
    else header.kid = as.kid ?? this.accountUrl;
    const body = await signJws(payload, header, key);
    return https(this.via, this.path(url), { method: 'POST', body, headers: { 'content-type': 'application/jose+json', host: new URL(url).host } });
  }

  /** newAccount with this key; remembers the account URL. */
  async register(extra: Record<string, unknown> = {}): Promise<HttpsResponse> {
    const res = await this.post(this.directory.newAccount, { termsOfServiceAgreed: true, ...extra }, { jwk: true });
    if (res.status === 201 || res.status === 200) this.accountUrl = String(res.headers.location);
    return res;
  }

  /** newOrder for DNS names (or `ip:` prefixed addresses). */
  newOrder(names: readonly string[], extra: Record<string, unknown> = {}): Promise<HttpsResponse> {
    const identifiers = names.map((n) => (n.startsWith('ip:') ? { type: 'ip', value: n.slice(3) } : { type: 'dns', value: n }));
    return this.post(this.directory.newOrder, { identifiers, ...extra });
  }

  /** POST-as-GET. */
  read(url: string): Promise<HttpsResponse> {
    return this.post(url, '');
  }

  /** Finalizes with a PEM CSR. */
  finalize(finalizeUrl: string, csrPem: string): Promise<HttpsResponse> {
    return this.post(finalizeUrl, { csr: pemDers(csrPem, 'CERTIFICATE REQUEST')[0].toString('base64url') });
  }
}

/** The RFC 7807 problem of a response (status, content type and `type` checked by the caller). */
export function problemOf(res: HttpsResponse): { type: string; detail: string; status: number } {
  return res.json<{ type: string; detail: string; status: number }>();
}
