import { Router } from 'express';
import type { Authority } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { both } from './paths.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

function parseLimit(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new BadRequest('limit must be a positive integer');
  return Math.min(n, MAX_LIMIT);
}

/** `/provisioners` (paged) and each provisioner's encrypted key. */
export function provisionerRoutes(authority: Authority): Router {
  const r = Router();
  r.get(both('/provisioners'), (req, res) => {
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : '';
    res.json(authority.provisioners(cursor, parseLimit(req.query.limit)));
  });
  r.get(both('/provisioners/:kid/encrypted-key'), (req, res) => {
    res.json({ key: authority.encryptedKey(String(req.params.kid)) });
  });
  return r;
}
