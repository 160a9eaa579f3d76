import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Deadline } from './deadline.js';
import { ChallengeFailure, quoted } from './failure.js';
import { connectionFailure, endpoint, isUnreachable, permittedAddresses, urlHost } from './targets.js';
import type { ChallengeAttempt, ValidationPolicy } from './validation.js';

/** Redirects an http-01 validation follows at most (as Let's Encrypt's Boulder does). */
export const MAX_REDIRECTS = 10;
/** The most body bytes read; a key authorization is under 200. */
export const MAX_BODY_BYTES = 8192;

const USER_AGENT = 'fedca-acme-validator';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface Ports {
  readonly http: number;
  readonly https: number;
}

type HopResult = { readonly kind: 'body'; readonly body: string } | { readonly kind: 'redirect'; readonly location: string };

/**
 * Validates an http-01 challenge (RFC 8555 §8.3): GETs
 * http://<host>/.well-known/acme-challenge/<token> from an address the address policy
 * permits, follows up to 10 redirects to http/https on ports 80/443 (each re-checked),
 * and compares the body, trailing whitespace ignored, with the key authorization.
 * Throws ChallengeFailure: 'incorrectResponse' (wrong or oversize body), 'unauthorized'
 * (an error status), 'connection' (unreachable, bad redirect, deadline), 'tls' (an https
 * redirect's handshake), 'dns', 'rejectedIdentifier' (an address not contacted).
 */
export async function validateHttp01(attempt: ChallengeAttempt, policy: ValidationPolicy, deadline: Deadline): Promise<void> {
  const ports: Ports = { http: policy.httpPort ?? 80, https: policy.tlsPort ?? 443 };
  let url = new URL(`http://${urlHost(attempt.identifier.value)}:${ports.http}/.well-known/acme-challenge/${attempt.token}`);
  for (let redirects = 0; ; redirects++) {
    const result = await fetchHop(url, ports, policy, deadline);
    if (result.kind === 'body') {
      const answer = result.body.trimEnd();
      if (answer !== attempt.keyAuthorization) {
        throw new ChallengeFailure('incorrectResponse', `expected key authorization ${quoted(attempt.keyAuthorization)} at ${url.href}, got ${quoted(answer)}`);
      }
      return;
    }
    if (redirects === MAX_REDIRECTS) throw new ChallengeFailure('connection', `more than ${MAX_REDIRECTS} redirects, the last from ${url.href}`);
    url = redirectTarget(result.location, url, ports);
  }
}

/** The effective port of an http(s) URL: its own, else the scheme's (80/443, or the test stand-ins). */
const portOf = (url: URL, ports: Ports): number => (url.port ? Number(url.port) : url.protocol === 'https:' ? ports.https : ports.http);

/** The URL a Location header leads to, if a validator may follow it: http or https, port 80 or 443. */
function redirectTarget(location: string, from: URL, ports: Ports): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new ChallengeFailure('connection', `${from.href} redirects to ${quoted(location)}, which is not a URL`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new ChallengeFailure('connection', `${from.href} redirects to ${quoted(next.href)}: only http and https are followed`);
  }
  const port = portOf(next, ports);
  if (port !== ports.http && port !== ports.https) {
    throw new ChallengeFailure('connection', `${from.href} redirects to ${quoted(next.href)}: only ports ${ports.http} and ${ports.https} are followed, not ${port}`);
  }
  return next;
}

/** One GET of `url`: at the first permitted address that answers. */
async function fetchHop(url: URL, ports: Ports, policy: ValidationPolicy, deadline: Deadline): Promise<HopResult> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = portOf(url, ports);
  const addresses = await permittedAddresses(host, policy, deadline);
  for (let i = 0; ; i++) {
    try {
      return await getOnce(url, host, addresses[i], port, deadline);
    } catch (err) {
      if (i + 1 < addresses.length && isUnreachable(err)) continue;
      throw err instanceof ChallengeFailure ? err : connectionFailure(err, endpoint(addresses[i], port));
    }
  }
}

const errorCode = (err: unknown): string => (err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : '');

/** GET `url` from `address`:`port`, with the URL's Host (and SNI for https); the raw error when the socket fails. */
function getOnce(url: URL, host: string, address: string, port: number, deadline: Deadline): Promise<HopResult> {
  const at = endpoint(address, port);
  const options: RequestOptions = {
    host: address,
    port,
    path: `${url.pathname}${url.search}`,
    method: 'GET',
    headers: { host: url.host, 'user-agent': USER_AGENT, accept: '*/*', connection: 'close' },
    agent: false,
  };
  // Validation targets present self-signed or not-yet-issued certificates: an https redirect is not verified (as Boulder).
  const req: ClientRequest =
    url.protocol === 'https:'
      ? httpsRequest({ ...options, rejectUnauthorized: false, ...(isIP(host) === 0 ? { servername: host } : {}) })
      : httpRequest(options);
  const work = new Promise<HopResult>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => readResponse(res, url, at, resolve, reject, () => req.destroy()));
    req.on('error', (err) => {
      const code = errorCode(err);
      if (code.startsWith('HPE_')) reject(new ChallengeFailure('incorrectResponse', `malformed HTTP response from ${at} for ${url.href}`));
      else if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) reject(new ChallengeFailure('tls', `TLS handshake with ${at} failed: ${err.message}`));
      else reject(err);
    });
    req.end();
  });
  return deadline.within(work, `${at} (GET ${url.href})`, () => req.destroy());
}

function readResponse(
  res: IncomingMessage,
  url: URL,
  at: string,
  resolve: (result: HopResult) => void,
  reject: (err: ChallengeFailure) => void,
  close: () => void,
): void {
  const status = res.statusCode ?? 0;
  if (REDIRECT_STATUSES.has(status)) {
    const location = res.headers.location;
    close();
    if (location) resolve({ kind: 'redirect', location });
    else reject(new ChallengeFailure('unauthorized', `GET ${url.href} answered ${status} without a Location`));
    return;
  }
  if (status < 200 || status > 299) {
    close();
    reject(new ChallengeFailure('unauthorized', `GET ${url.href} at ${at} answered ${status}`));
    return;
  }
  const tooLarge = (): ChallengeFailure => new ChallengeFailure('incorrectResponse', `the response to GET ${url.href} is larger than ${MAX_BODY_BYTES} bytes`);
  if (Number(res.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    close();
    reject(tooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      close();
      reject(tooLarge());
      return;
    }
    chunks.push(chunk);
  });
  res.on('end', () => resolve({ kind: 'body', body: Buffer.concat(chunks).toString('utf8') }));
  res.on('aborted', () => reject(new ChallengeFailure('connection', `${at} closed the connection before the whole response to GET ${url.href}`)));
  res.on('error', () => reject(new ChallengeFailure('connection', `${at} closed the connection before the whole response to GET ${url.href}`)));
}
