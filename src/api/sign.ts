import { Router, type Request } from 'express';
import type { Authority } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { toPem } from '../pki/pem.js';
import { sendJson } from './sendJson.js';
import { both } from './paths.js';

/** A JSON request body as an object; BadRequest otherwise. */
export function bodyObject(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
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

/** The sign response of api.md for a leaf and its chain. */
export function signResponse(chain: readonly Buffer[]): { crt: string; ca: string; certChain: string[] } {
  const pems = chain.map((d) => toPem(d));
  return { crt: pems[0], ca: pems[1], certChain: pems };
}

/** POST /sign: CSR + one-time token → certificate (201). */
export function signRoutes(authority: Authority): Router {
  const r = Router();
  r.post(both('/sign'), async (req, res) => {
    const body = bodyObject(req);
    const csr = requiredString(body, 'csr');
    const ott = requiredString(body, 'ott');
    const result = await authority.sign(csr, ott, { notBefore: optionalString(body, 'notBefore'), notAfter: optionalString(body, 'notAfter') });
    sendJson(res, 201, signResponse(result.chain));
  });
  return r;
}
