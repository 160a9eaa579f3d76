import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { BadRequest, PayloadTooLarge } from '../errors.js';

/** The client closed the connection before its request was read: nobody to answer, nothing wrong with the server. */
export class ClientGone extends Error {
  readonly code = 'ERR_CLIENT_GONE';
  constructor() {
    super('client went away mid-request');
  }
}

/** api.md: request bodies are JSON, at most 256 KiB. */
export const BODY_LIMIT = 256 * 1024;
const TOO_LARGE = 'request body too large (limit 256 KiB)';

/**
 * Reads a request body as JSON (any value, or undefined when empty); rejects with
 * PayloadTooLarge past 256 KiB and BadRequest when it is not JSON. Every body is
 * taken as JSON whatever its content-type, since step's clients do not always say so.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > BODY_LIMIT) {
      req.resume();
      return reject(new PayloadTooLarge(TOO_LARGE));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > BODY_LIMIT) return fail(new PayloadTooLarge(TOO_LARGE));
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown);
      } catch {
        fail(new BadRequest('request body is not valid JSON'));
      }
    });
    req.on('error', () => fail(new ClientGone()));
  });
}

/** express middleware: `readJsonBody` into `req.body`, except for GET/HEAD and OCSP's DER requests. */
export function jsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || String(req.headers['content-type'] ?? '').startsWith('application/ocsp-request')) return next();
  readJsonBody(req).then(
    (body) => {
      req.body = body;
      next();
    },
    (err: Error) => next(err),
  );
}

/** A JSON request body as an object; BadRequest otherwise. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A required non-empty string member of a body. */
export function requiredString(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new BadRequest(`missing or empty "${key}"`);
  return v;
}

/** An optional string member ("" counts as unset). */
export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new BadRequest(`"${key}" must be a string`);
  return v;
}
