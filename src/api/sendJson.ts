import type { ServerResponse } from 'node:http';

/** Writes a JSON answer in one call (res.json does content negotiation and freshness checks the API never needs). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
