import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { BadRequest } from '../errors.js';
import { readBody } from './requestBody.js';

/** api.md: request bodies are JSON, at most 256 KiB. */
export const BODY_LIMIT = 256 * 1024;
const TOO_LARGE = 'request body too large (limit 256 KiB)';

/**
 * Reads a request body as JSON (any value, or undefined when empty); rejects with
 * PayloadTooLarge past 256 KiB and BadRequest when it is not JSON. Every body is
 * taken as JSON whatever its content-type, since step's clients do not always say so.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, BODY_LIMIT, TOO_LARGE);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new BadRequest('request body is not valid JSON');
  }
}

/** express middleware: `readJsonBody` into `req.body` except for GET/HEAD, so that every body is held to api.md's limit and shape (OCSP's DER bodies never reach express). */
export function jsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
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
