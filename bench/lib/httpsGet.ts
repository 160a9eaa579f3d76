/** One timed GET over a keep-alive agent (HTTPS or plain HTTP): status, body, and when the headers and the last byte arrived. */
import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

export interface TimedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** ms from sending the request to the response headers. */
  readonly firstByteMs: number;
  /** ms from sending the request to the end of the body. */
  readonly totalMs: number;
}

/** GET `path` at 127.0.0.1:`port` with `agent` (an HTTPS one carries the CA's root; a node:http one means plain HTTP), with `headers` if any; rejects on network errors only. */
export function timedGet(agent: HttpsAgent | HttpAgent, port: number, path: string, headers: Readonly<Record<string, string>> = {}): Promise<TimedResponse> {
  const request = agent instanceof HttpsAgent ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = (): number => Number(process.hrtime.bigint() - t0) / 1e6;
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers, agent, servername: 'localhost' }, (res) => {
      const firstByteMs = ms();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), firstByteMs, totalMs: ms() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
