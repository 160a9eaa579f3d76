import type { NextFunction, Request, Response } from 'express';
import { AuthorityError } from '../errors.js';

/** Writes api.md's JSON error: `{"status": code, "message": text}`. */
export function writeError(res: Response, status: number, message: string): void {
  res.status(status).type('application/json').send(JSON.stringify({ status, message }));
}

interface HttpishError {
  status?: number;
  type?: string;
}

/**
 * The one place errors become responses: authority errors keep their status and
 * message; body-parser's become 400/413; anything else is a 500 with no details.
 */
export function errorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  if (err instanceof AuthorityError) return writeError(res, err.status, err.message);
  const e = (err ?? {}) as HttpishError;
  if (e.type === 'entity.too.large') return writeError(res, 413, 'request body too large (limit 256 KiB)');
  if (e.type === 'entity.parse.failed') return writeError(res, 400, 'request body is not valid JSON');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return writeError(res, 400, 'unsupported request body encoding');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) return writeError(res, e.status, 'bad request');
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', error: String((err as Error)?.stack ?? err) }));
  writeError(res, 500, 'internal server error');
}

/** 404 for any route api.md does not define. */
export function notFound(req: Request, res: Response): void {
  writeError(res, 404, `no such endpoint: ${req.method} ${req.path}`);
}
