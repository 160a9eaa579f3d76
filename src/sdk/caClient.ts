import { Agent } from 'node:https';
import { fetchRoot } from './bootstrap.js';
import { requestCa } from './caRequest.js';
import { caEndpoint, normaliseCaUrl } from './caUrl.js';
import { CaConnectionError } from './errors.js';
import { pemFingerprint } from './fingerprint.js';
import { requestJson } from './requestJson.js';
import type { HealthResponse, ProvisionerEntry, ProvisionerPage, SignRequest, SignResponse, VersionResponse } from './wire.js';

/** How to reach a CA: its URL and the root (PEM) its TLS certificate must chain to. */
export interface CaClientOptions {
  /** `https://host[:port]`, optionally with a path prefix. */
  readonly caUrl: string;
  /** The root(s) to trust, PEM; the first one is the root tokens name in their `sha` claim. */
  readonly rootPem: string;
  /** Per-request timeout; default 30 s. */
  readonly timeoutMs?: number;
}

/** Page size asked of `/provisioners` (the API's maximum). */
const PROVISIONER_PAGE = 100;

type Json = Record<string, unknown>;

function field<T>(body: unknown, name: string, is: (v: unknown) => v is T, where: string): T {
  const value = body !== null && typeof body === 'object' ? (body as Json)[name] : undefined;
  if (!is(value)) throw new CaConnectionError(`the CA's answer to ${where} has no valid "${name}"`);
  return value;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isOptionalStringArray = (v: unknown): v is string[] | undefined => v === undefined || isStringArray(v);

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
  private readonly timeoutMs?: number;

  /** Throws TypeError for a URL that is not https, or a `rootPem` with no certificate. */
  constructor(options: CaClientOptions) {
    this.caUrl = normaliseCaUrl(options.caUrl);
    this.rootPem = options.rootPem;
    this.rootFingerprint = pemFingerprint(options.rootPem);
    this.timeoutMs = options.timeoutMs;
    this.agent = new Agent({ ca: options.rootPem, keepAlive: true, minVersion: 'TLSv1.2' });
  }

  /**
   * A client for the CA whose root has this fingerprint: fetches the root from
   * the CA and trusts it only after the checks of `fetchRoot` (fingerprint of the
   * DER, and the TLS chain the server presented leads to it).
   * Throws what `fetchRoot` throws.
   */
  static async bootstrap(caUrl: string, fingerprint: string, options: { timeoutMs?: number } = {}): Promise<CaClient> {
    const rootPem = await fetchRoot(caUrl, fingerprint);
    return new CaClient({ caUrl, rootPem, ...options });
  }

  private request(path: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<unknown> {
    return requestJson(caEndpoint(this.caUrl, path), { agent: this.agent, method, body, timeoutMs: this.timeoutMs });
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
      timeoutMs: this.timeoutMs,
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
    const crt = field(body, 'crt', isString, 'POST /sign');
    const ca = field(body, 'ca', isString, 'POST /sign');
    const certChain = field(body, 'certChain', isOptionalStringArray, 'POST /sign') ?? [crt, ca];
    return { crt, ca, certChain };
  }

  /** Closes the pooled connections (idle ones never keep the process alive anyway). */
  close(): void {
    this.agent.destroy();
  }
}
