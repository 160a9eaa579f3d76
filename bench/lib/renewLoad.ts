/** POST /1.0/renew over a fresh mTLS connection per renewal (a full handshake with a client certificate, as `step ca renew` does). */
import { request } from 'node:https';
import { percentile } from './process.js';

export interface Identity {
  /** The leaf and its intermediate, PEM. */
  readonly chain: string;
  readonly key: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly failures: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

function renewOnce(port: number, rootPem: string, identity: Identity): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/1.0/renew', method: 'POST', agent: false, ca: rootPem, cert: identity.chain, key: identity.key, servername: 'localhost', headers: { connection: 'close', 'content-length': 0 } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** `concurrency` loops renewing in turn the given identities for `seconds`. */
export async function renewLoad(port: number, rootPem: string, identities: readonly Identity[], concurrency: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (process.hrtime.bigint() < deadline) {
        const t0 = process.hrtime.bigint();
        const status = await renewOnce(port, rootPem, identities[next++ % identities.length]);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status < 200 || status > 299) failures++;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, failures, perSecond: (latencies.length - failures) / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}
