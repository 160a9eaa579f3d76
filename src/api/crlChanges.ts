import { Router } from 'express';
import type { Authority } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { both } from './paths.js';

/** How long GET /crl/changes holds a request by default, and at most (seconds). */
export const CRL_CHANGES_WAIT_S = { default: 30, max: 300 } as const;

/** A query parameter that must be a non-negative integer, if present. */
function integerParam(value: unknown, name: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,19}$/.test(value)) throw new BadRequest(`"${name}" must be a non-negative integer`);
  return BigInt(value);
}

/**
 * GET /crl/changes?since=R&wait=S: a long poll for CRL watchers (fedca's own):
 * answers `{"revision":"R2"}` once the revocations behind the CRL differ from
 * revision R, or after S seconds (default 30, at most 300) with R unchanged;
 * without `since`, the current revision at once. (GET /crl itself is crl.ts.)
 */
export function crlChangesRoutes(authority: Authority): Router {
  const r = Router();
  r.get(both('/crl/changes'), async (req, res) => {
    const since = integerParam(req.query.since, 'since');
    const wait = integerParam(req.query.wait, 'wait') ?? BigInt(CRL_CHANGES_WAIT_S.default);
    if (wait > BigInt(CRL_CHANGES_WAIT_S.max)) throw new BadRequest(`"wait" must be at most ${CRL_CHANGES_WAIT_S.max} seconds`);
    const revision = await authority.crlRevision(since, Number(wait) * 1000, (stop) => res.on('close', stop));
    res.set('cache-control', 'no-store').json({ revision: revision.toString() });
  });
  return r;
}
