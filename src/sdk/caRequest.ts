import type { IncomingMessage } from 'node:http';
import { request, type Agent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { CaConnectionError, CaError } from './errors.js';

/** How to send one request to the CA. */
export interface CaRequestOptions {
  readonly agent: Agent;
  readonly method?: 'GET' | 'POST';
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is, instead of `body`, with its media type (a DER OCSP request, say). */
  readonly payload?: { readonly bytes: Buffer; readonly contentType: string };
  /** Extra request headers (`authorization` for a renew token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The media types asked for; default `application/json`. */
  readonly accept?: string;
  /** Called with the connection once the response head arrives; throwing aborts the request. */
  readonly onResponse?: (socket: TLSSocket) => void;
  readonly timeoutMs?: number;
  /** The whole exchange (connect, TLS, request, answer) ends by then, however slowly bytes trickle; none by default. */
  readonly deadlineMs?: number;
  /** The largest answer read, in bytes; default 8 MiB. */
  readonly maxBytes?: number;
}

/** How long and how large one request to a CA may be. */
export type RequestLimits = Pick<CaRequestOptions, 'timeoutMs' | 'deadlineMs' | 'maxBytes'>;

/** A 2xx answer as it came. */
export interface CaAnswer {
  readonly body: Buffer;
  /** The `content-type` header, '' when there is none. */
  readonly contentType: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Far above anything the CA sends (a federation bundle of many roots, a CRL of many serials, are still well under). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The `message` of api.md's error body, or a short excerpt of whatever came back. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string' && body.message !== '') return body.message;
  } catch {
    // not JSON: fall through
  }
  const excerpt = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return excerpt || 'no message';
}

/**
 * Sends a request to the CA over HTTPS and reads the whole answer.
 * Throws CaError (with the server's status and message) for a non-2xx answer,
 * CaConnectionError when the CA cannot be reached, TLS fails, the request times
 * out or the answer is too large; and whatever `onResponse` throws.
 */
export function requestCa(url: URL, options: CaRequestOptions): Promise<CaAnswer> {
  const where = `${options.method ?? 'GET'} ${url.pathname}`;
  const payload = options.payload ?? (options.body === undefined ? undefined : { bytes: Buffer.from(JSON.stringify(options.body), 'utf8'), contentType: 'application/json' });
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? 'GET',
      agent: options.agent,
      headers: {
        accept: options.accept ?? 'application/json',
        ...options.headers,
        ...(payload ? { 'content-type': payload.contentType, 'content-length': payload.bytes.length } : {}),
      },
    });
    // A deadline for the whole exchange, not an idle timeout: a CA (or anything
    // posing as one) that trickles its answer a byte at a time is cut all the same.
    const timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.deadlineMs ?? Infinity);
    let response: IncomingMessage | undefined;
    const deadline = setTimeout(() => {
      const late = new CaConnectionError(`${where} to ${url.origin} timed out after ${timeoutMs} ms`);
      response?.destroy(late);
      req.destroy(late);
    }, timeoutMs);
    // The request's open socket keeps the process alive; the deadline alone must not.
    deadline.unref();
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (err) => {
      reject(err instanceof CaConnectionError ? err : new CaConnectionError(`cannot reach the CA at ${url.origin}: ${err.message}`));
    });
    req.on('response', (res) => {
      response = res;
      try {
        options.onResponse?.(res.socket as TLSSocket);
      } catch (err) {
        res.destroy();
        reject(err);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > (options.maxBytes ?? MAX_BODY_BYTES)) res.destroy(new CaConnectionError(`the CA's answer to ${where} is larger than ${options.maxBytes ?? MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', (err) => reject(err instanceof CaConnectionError ? err : new CaConnectionError(`reading the CA's answer to ${where}: ${err.message}`)));
      res.on('end', () => {
        clearTimeout(deadline);
        const body = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) reject(new CaError(status, errorMessage(body.toString('utf8'))));
        else resolve({ body, contentType: res.headers['content-type'] ?? '' });
      });
    });
    req.end(payload?.bytes);
  });
}
