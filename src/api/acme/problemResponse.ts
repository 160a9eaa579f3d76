import type { ServerResponse } from 'node:http';
import { ACME_ERROR_URN_PREFIX } from '../../authority/acme/challenges/failure.js';
import { AcmeProblem } from '../../authority/acme/problem.js';
import { AuthorityError, TooManyRequests, Unavailable } from '../../errors.js';
import { ClientGone } from '../requestBody.js';

/** Writes an RFC 7807 problem document (`application/problem+json`) with an ACME error type. */
function writeProblem(res: ServerResponse, status: number, type: string, detail: string): void {
  const body = JSON.stringify({ type: ACME_ERROR_URN_PREFIX + type, detail, status });
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * The one place ACME refusals become responses: an AcmeProblem as it says (with its
 * Location, a key change's 409); the store unreachable 503 (serverInternal, with
 * Retry-After); a rate limit 429 (rateLimited); a body too large 413 and any other
 * request error 400 (malformed); anything else 500 (serverInternal), logged, no details.
 */
export function writeAcmeProblem(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.end();
  if (err instanceof AcmeProblem) {
    if (err.location) res.setHeader('location', err.location);
    return writeProblem(res, err.status, err.type, err.detail);
  }
  if (err instanceof Unavailable || err instanceof TooManyRequests) {
    res.setHeader('retry-after', String(err.retryAfterSeconds));
    return writeProblem(res, err.status, err instanceof Unavailable ? 'serverInternal' : 'rateLimited', err.message);
  }
  if (err instanceof AuthorityError) return writeProblem(res, err.status === 413 ? 413 : 400, 'malformed', err.message);
  if (err instanceof ClientGone) return void res.end();
  console.error(JSON.stringify({ level: 'error', msg: 'unhandled error in ACME', error: String((err as Error)?.stack ?? err) }));
  writeProblem(res, 500, 'serverInternal', 'internal server error');
}
