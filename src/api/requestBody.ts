import type { IncomingMessage } from 'node:http';
import { PayloadTooLarge } from '../errors.js';

/** The client closed the connection before its request was read: nobody to answer, nothing wrong with the server. */
export class ClientGone extends Error {
  readonly code = 'ERR_CLIENT_GONE';
  constructor() {
    super('client went away mid-request');
  }
}

/**
 * Reads a request body of at most `limit` bytes. Rejects with PayloadTooLarge
 * (`tooLarge` as its message) as soon as the announced or the received length passes
 * the limit, draining the rest unread, and with ClientGone when the client hangs up.
 */
export function readBody(req: IncomingMessage, limit: number, tooLarge: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      req.resume();
      reject(err);
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) return fail(new PayloadTooLarge(tooLarge));
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) return fail(new PayloadTooLarge(tooLarge));
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', () => fail(new ClientGone()));
  });
}
