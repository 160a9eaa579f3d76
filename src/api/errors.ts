import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AuthorityError, ERROR_CODES, TooManyRequests, Unavailable, type ErrorStatus } from '../errors.js';
import { requestPath } from './paths.js';
import { ClientGone } from './requestBody.js';
import { sendJson } from './sendJson.js';

/** Writes api.md's JSON error: `{"status": http status, "code": its stable code, "message": text}`. */
export function writeError(res: ServerResponse, status: ErrorStatus, message: string): void {
  sendJson(res, status, { status, code: ERROR_CODES[status], message });
}

interface HttpishError {
  status?: number;
}

/**
 * The one place errors become responses: authority errors keep their status and
 * message (a 429 or 503 also says when to retry, in `Retry-After`); a client that went
 * away gets nothing (an info line in the log); express's own 4xx errors (a path
 * that does not URL-decode) become 400; anything else is a 500 with no details, logged.
 * Bodies are read by requestBody.ts, never body-parser, whose error types need no case.
 */
export function writeErrorFor(res: ServerResponse, err: unknown): void {
  if (err instanceof TooManyRequests || err instanceof Unavailable) res.setHeader('retry-after', String(err.retryAfterSeconds));
  if (err instanceof AuthorityError) return writeError(res, err.status, err.message);
  const e = (err ?? {}) as HttpishError;
  if (err instanceof ClientGone) {
    // One line, no stack: clients that hang up are ordinary, and must not flood the log.
    console.error(JSON.stringify({ level: 'info', msg: 'client went away mid-request', method: res.req?.method, path: res.req ? requestPath(res.req) : '' }));
    return;
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return writeError(res, 400, 'bad request');
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', error: String((err as Error)?.stack ?? err) }));
  writeError(res, 500, 'internal server error');
}

/** express's error middleware: `writeErrorFor`. */
export function errorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  writeErrorFor(res, err);
}

/** 404 for any route api.md does not define. */
export function notFound(req: Request, res: Response): void {
  writeError(res, 404, `no such endpoint: ${req.method} ${req.path}`);
}
