import { request } from 'node:https';
import type { CaEndpoint } from './testCa.js';

/** A response: status and parsed JSON body (or raw text / bytes). */
export interface HttpsResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

/** Options of one request to a test CA. */
export interface HttpsOptions {
  readonly method?: string;
  readonly body?: unknown;
  /** Client certificate chain and key (PEM) for mTLS. */
  readonly cert?: string;
  readonly key?: string;
  readonly headers?: Record<string, string>;
}

/** One request to the test CA over real TLS, trusting its root (fresh connection each time). */
export function https(ca: CaEndpoint, path: string, options: HttpsOptions = {}): Promise<HttpsResponse> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: ca.port,
        servername: 'localhost',
        path,
        method: options.method ?? (body ? 'POST' : 'GET'),
        ca: ca.rootPem,
        cert: options.cert,
        key: options.key,
        agent: false,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json: <T>() => JSON.parse(buf.toString()) as T });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
