import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { requestPath } from './paths.js';

/** Where access-log lines go (stdout by default; tests pass their own). */
export type LogSink = (line: string) => void;

function clientSubject(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  return cert && cert.subject ? Object.entries(cert.subject).map(([k, v]) => `${k}=${String(v)}`).join(', ') : undefined;
}

/** Writes one JSON line when the response is finished: time, method, path, status, duration, client certificate subject. */
export function logWhenFinished(sink: LogSink, req: IncomingMessage, res: ServerResponse): void {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), method: req.method, path: requestPath(req), status: res.statusCode, durationMs: Math.round(durationMs * 1000) / 1000 };
    const subject = clientSubject(req);
    if (subject) entry.clientSubject = subject;
    sink(JSON.stringify(entry));
  });
}
