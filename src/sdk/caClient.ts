import { Agent } from 'node:https';
import { field, isArray, isBoolean, isString, isStringArray, signResponse } from './answers.js';
import { fetchRoot } from './bootstrap.js';
import { requestCa, type RequestLimits } from './caRequest.js';
import { caEndpoint, normaliseCaUrl } from './caUrl.js';
import { parseClientCertificate, type ClientCertificate } from './clientCertificate.js';
import { CaConnectionError } from './errors.js';
import { pemFingerprint } from './fingerprint.js';
import { createRenewToken } from './renewToken.js';
import { requestJson } from './requestJson.js';
import type { HealthResponse, ProvisionerEntry, ProvisionerPage, RevokeRequest, SignRequest, SignResponse, VersionResponse } from './wire.js';

/** How to reach a CA: its URL and the root (PEM) its TLS certificate must chain to. */
export interface CaClientOptions {
  /** `https://host[:port]`, optionally with a path prefix. */
  readonly caUrl: string;
  /** The root(s) to trust, PEM; the first one is the root tokens name in their `sha` claim. */
  readonly rootPem: string;
  /** Per-request idle timeout; default 30 s. */
  readonly timeoutMs?: number;
  /** Per-request total deadline, however slowly the CA answers; none by default. */
  readonly deadlineMs?: number;
  /** The largest answer read, in bytes; default 8 MiB. */
  readonly maxBytes?: number;
}

/** Page size asked of `/provisioners` (the API's maximum). */
const PROVISIONER_PAGE = 100;

const timeParameter = (t: string | Date | undefined): string => (t === undefined ? '' : t instanceof Date ? t.toISOString() : t);

/**
 * A client of one CA (api.md), over HTTPS that trusts only the given root, with
 * a keep-alive connection pool. Every method throws CaError when the CA answers
 * with an error status (carrying `status` and the CA's `message`), and
 * CaConnectionError when it cannot be reached, TLS verification fails, or the
 * answer is not what api.md says.
 */
export class CaClient {
  /** The CA URL without a trailing slash; token audiences are built on it. */
  readonly caUrl: string;
  readonly rootPem: string;
  /** SHA-256 of the (first) trusted root's DER, lower-case hex: tokens' `sha` claim. */
  readonly rootFingerprint: string;
  private readonly agent: Agent;
  private readonly limits: RequestLimits;

  /** Throws TypeError for a URL that is not https, or a `rootPem` with no certificate. */
  constructor(options: CaClientOptions) {
    this.caUrl = normaliseCaUrl(options.caUrl);
    this.rootPem = options.rootPem;
    this.rootFingerprint = pemFingerprint(options.rootPem);
    this.limits = { timeoutMs: options.timeoutMs, deadlineMs: options.deadlineMs, maxBytes: options.maxBytes };
    this.agent = new Agent({ ca: options.rootPem, keepAlive: true, minVersion: 'TLSv1.2' });
  }

  /**
   * A client for the CA whose root has this fingerprint: fetches the root from
   * the CA and trusts it only after the checks of `fetchRoot` (fingerprint of the
   * DER, and the TLS chain the server presented leads to it).
   * Throws what `fetchRoot` throws.
   */
  static async bootstrap(caUrl: string, fingerprint: string, options: RequestLimits = {}): Promise<CaClient> {
    const rootPem = await fetchRoot(caUrl, fingerprint, options);
    return new CaClient({ caUrl, rootPem, ...options });
  }

  /** One JSON request; `via` replaces the pooled agent (mTLS) or adds headers (a bearer token). */
  private request(path: string, method: 'GET' | 'POST' = 'GET', body?: unknown, via: { agent?: Agent; headers?: Record<string, string> } = {}): Promise<unknown> {
    return requestJson(caEndpoint(this.caUrl, path), { agent: via.agent ?? this.agent, headers: via.headers, method, body, ...this.limits });
  }

  /**
   * A `POST` that presents `credentials` as the TLS client certificate, over a
   * connection of its own that still trusts only the CA's root.
   */
  private async postWithClientCertificate(path: string, credentials: ClientCertificate, body?: unknown): Promise<unknown> {
    parseClientCertificate(credentials);
    const agent = new Agent({ ca: this.rootPem, cert: credentials.certPem, key: credentials.keyPem, keepAlive: false, minVersion: 'TLSv1.2' });
    try {
      return await this.request(path, 'POST', body, { agent });
    } finally {
      agent.destroy();
    }
  }

  /** `GET /health`. */
  async health(): Promise<HealthResponse> {
    return { status: field(await this.request('/health'), 'status', isString, 'GET /health') };
  }

  /** `GET /version`. */
  async version(): Promise<VersionResponse> {
    const body = await this.request('/version');
    return {
      version: field(body, 'version', isString, 'GET /version'),
      requireClientAuthentication: field(body, 'requireClientAuthentication', isBoolean, 'GET /version'),
    };
  }

  /** `GET /roots`: the CA's own roots, PEM. */
  async roots(): Promise<string[]> {
    return field(await this.request('/roots'), 'crts', isStringArray, 'GET /roots');
  }

  /** `GET /federation`: the CA's roots then every federated root, PEM. */
  async federation(): Promise<string[]> {
    return field(await this.request('/federation'), 'crts', isStringArray, 'GET /federation');
  }

  /** `GET /intermediates`: the CA's issuing intermediates, PEM. */
  async intermediates(): Promise<string[]> {
    return field(await this.request('/intermediates'), 'crts', isStringArray, 'GET /intermediates');
  }

  /**
   * `POST /ocsp` (RFC 6960 appendix A): sends a DER OCSPRequest, resolves the
   * DER OCSPResponse as it came (unverified: see `verifyOcspResponse`).
   * Throws CaConnectionError when the answer is not an OCSP response.
   */
  async ocsp(requestDer: Buffer): Promise<Buffer> {
    const answer = await requestCa(caEndpoint(this.caUrl, '/ocsp'), {
      agent: this.agent,
      method: 'POST',
      payload: { bytes: requestDer, contentType: 'application/ocsp-request' },
      accept: 'application/ocsp-response',
      ...this.limits,
    });
    if (!answer.contentType.startsWith('application/ocsp-response') || answer.body[0] !== 0x30) throw new CaConnectionError("the CA's answer to POST /ocsp is not an OCSP response");
    return answer.body;
  }

  /** One page of `GET /provisioners`. */
  async provisionerPage(cursor = '', limit = PROVISIONER_PAGE): Promise<ProvisionerPage> {
    const query = new URLSearchParams({ cursor, limit: String(limit) });
    const body = await this.request(`/provisioners?${query}`);
    const provisioners = field(body, 'provisioners', isArray, 'GET /provisioners');
    for (const p of provisioners) {
      field(p, 'type', isString, 'GET /provisioners');
      field(p, 'name', isString, 'GET /provisioners');
    }
    return { provisioners: provisioners as ProvisionerEntry[], nextCursor: field(body, 'nextCursor', isString, 'GET /provisioners') };
  }

  /** Every provisioner, following `nextCursor` page by page. */
  async provisioners(pageSize = PROVISIONER_PAGE): Promise<ProvisionerEntry[]> {
    const all: ProvisionerEntry[] = [];
    const seen = new Set<string>();
    for (let cursor = ''; ; ) {
      const page = await this.provisionerPage(cursor, pageSize);
      all.push(...page.provisioners);
      if (page.nextCursor === '') return all;
      if (seen.has(page.nextCursor)) throw new CaConnectionError('GET /provisioners: the CA repeats a cursor');
      seen.add(page.nextCursor);
      cursor = page.nextCursor;
    }
  }

  /** `GET /provisioners/{kid}/encrypted-key`: the provisioner's private key as a JWE (compact). */
  async encryptedKey(kid: string): Promise<string> {
    return field(await this.request(`/provisioners/${encodeURIComponent(kid)}/encrypted-key`), 'key', isString, 'GET /provisioners/{kid}/encrypted-key');
  }

  /** `POST /sign`: a certificate for the CSR, authorised by the one-time token `ott`. */
  async sign(request: SignRequest): Promise<SignResponse> {
    const body = await this.request('/sign', 'POST', {
      csr: request.csrPem,
      ott: request.ott,
      notBefore: timeParameter(request.notBefore),
      notAfter: timeParameter(request.notAfter),
    });
    return signResponse(body, 'POST /sign');
  }

  /**
   * `POST /renew` over mTLS: a new certificate like the one presented (same
   * names and duration, a new serial, the same key).
   * Throws TypeError when the certificate and key do not belong together.
   */
  async renew(credentials: ClientCertificate): Promise<SignResponse> {
    return signResponse(await this.postWithClientCertificate('/renew', credentials), 'POST /renew');
  }

  /**
   * `POST /renew` with a renew token (`Authorization: Bearer`, see
   * `createRenewToken`) instead of a client certificate: for clients behind a
   * TLS-terminating proxy, or renewing after expiry where the CA allows it.
   * Throws TypeError when the certificate and key do not belong together.
   */
  async renewWithToken(credentials: ClientCertificate): Promise<SignResponse> {
    const token = await createRenewToken(credentials, this.caUrl);
    return signResponse(await this.request('/renew', 'POST', undefined, { headers: { authorization: `Bearer ${token}` } }), 'POST /renew');
  }

  /**
   * `POST /rekey` over mTLS: the presented certificate re-issued for the key
   * of `csrPem` (only the CSR's key is used).
   * Throws TypeError when the certificate and key do not belong together.
   */
  async rekey(request: ClientCertificate & { readonly csrPem: string }): Promise<SignResponse> {
    return signResponse(await this.postWithClientCertificate('/rekey', request, { csr: request.csrPem }), 'POST /rekey');
  }

  /**
   * `POST /revoke` (passive): authorised by a revoke token (`ott`), or by the
   * certificate itself presented over mTLS (`certPem` + `keyPem`).
   * Throws TypeError for a serial that is not decimal.
   */
  async revoke(request: RevokeRequest): Promise<void> {
    if (!/^\d+$/.test(request.serial)) throw new TypeError(`"${request.serial}" is not a decimal serial number`);
    const reason = { serial: request.serial, reasonCode: request.reasonCode ?? 0, reason: request.reason ?? '', passive: true };
    const body = 'ott' in request ? await this.request('/revoke', 'POST', { ...reason, ott: request.ott }) : await this.postWithClientCertificate('/revoke', request, reason);
    field(body, 'status', isString, 'POST /revoke');
  }

  /** `GET /crl`: the CA's CRL, DER. Throws CaConnectionError when the answer is not one. */
  crl(options?: { readonly pem?: false }): Promise<Buffer>;
  /** `GET /crl?pem=true`: the CA's CRL, PEM. Throws CaConnectionError when the answer is not one. */
  crl(options: { readonly pem: true }): Promise<string>;
  /** `GET /crl`: the CA's CRL, PEM with `pem`, else DER. Throws CaConnectionError when the answer is not one. */
  crl(options: { readonly pem?: boolean }): Promise<Buffer | string>;
  async crl(options: { readonly pem?: boolean } = {}): Promise<Buffer | string> {
    const where = `GET /crl${options.pem ? '?pem=true' : ''}`;
    const answer = await requestCa(caEndpoint(this.caUrl, options.pem ? '/crl?pem=true' : '/crl'), {
      agent: this.agent,
      accept: options.pem ? 'application/x-pem-file' : 'application/pkix-crl',
      ...this.limits,
    });
    if (!options.pem) {
      if (answer.body[0] !== 0x30) throw new CaConnectionError(`the CA's answer to ${where} is not a DER CRL`);
      return answer.body;
    }
    const pem = answer.body.toString('utf8');
    if (!pem.includes('-----BEGIN X509 CRL-----')) throw new CaConnectionError(`the CA's answer to ${where} is not a PEM CRL`);
    return pem;
  }

  /** Closes the pooled connections (idle ones never keep the process alive anyway). */
  close(): void {
    this.agent.destroy();
  }
}
