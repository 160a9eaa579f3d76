import type { NextFunction, Request, Response } from 'express';
import { BadRequest, PayloadTooLarge } from '../errors.js';

/** api.md: request bodies are JSON, at most 256 KiB. */
export const BODY_LIMIT = 256 * 1024;
const TOO_LARGE = 'request body too large (limit 256 KiB)';

/**
 * Reads a JSON request body into `req.body` (any JSON value; routes check the
 * shape). Every body is taken as JSON, since step's clients do not always say so,
 * except OCSP's DER requests. A lean stand-in for express.json: on the sign path
 * body-parser's generality cost more than the parsing itself.
 */
export function jsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || String(req.headers['content-type'] ?? '').startsWith('application/ocsp-request')) return next();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT) {
    req.resume();
    return next(new PayloadTooLarge(TOO_LARGE));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > BODY_LIMIT) {
      failed = true;
      next(new PayloadTooLarge(TOO_LARGE));
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (failed) return;
    if (size === 0) return next();
    try {
      req.body = JSON.parse(Buffer.concat(chunks, size).toString('utf8')) as unknown;
    } catch {
      return next(new BadRequest('request body is not valid JSON'));
    }
    next();
  });
  req.on('error', (err) => {
    if (!failed) {
      failed = true;
      next(err);
    }
  });
}
