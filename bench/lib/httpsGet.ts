/** One timed GET over a keep-alive HTTPS agent: status, body, and when the headers and the last byte arrived. */
import { request, type Agent } from 'node:https';

export interface TimedResponse {
  readonly status: number;
  readonly body: Buffer;
  /** ms from sending the request to the response headers. */
  readonly firstByteMs: number;
  /** ms from sending the request to the end of the body. */
  readonly totalMs: number;
}

/** GET `path` at 127.0.0.1:`port` with `agent` (which carries the CA's root); rejects on network errors only. */
export function timedGet(agent: Agent, port: number, path: string): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent, servername: 'localhost' }, (res) => {
      const firstByteMs = ms();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), firstByteMs, totalMs: ms() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
