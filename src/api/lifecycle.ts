import { Router } from 'express';
import type { Authority } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { bearerToken, clientCertificate } from './clientCertificate.js';
import { bodyObject, optionalString, requiredString } from './jsonBody.js';
import { signResponse } from './sign.js';
import { both } from './paths.js';

function reasonCode(body: Record<string, unknown>): number {
  const v = body.reasonCode ?? 0;
  if (typeof v !== 'number') throw new BadRequest('"reasonCode" must be a number');
  return v;
}

function serial(body: Record<string, unknown>): string {
  const v = body.serial;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return requiredString(body, 'serial');
}

/** Renew (mTLS or renew token), rekey (mTLS), revoke (token or mTLS). */
export function lifecycleRoutes(authority: Authority): Router {
  const r = Router();
  r.post(both('/renew'), async (req, res) => {
    const token = bearerToken(req);
    const result = token ? await authority.renewWithToken(token) : await authority.renew(clientCertificate(req));
    res.status(201).json(signResponse(result.chain));
  });
  r.post(both('/rekey'), async (req, res) => {
    const csr = requiredString(bodyObject(req.body), 'csr');
    const result = await authority.rekey(clientCertificate(req), csr);
    res.status(201).json(signResponse(result.chain));
  });
  r.post(both('/revoke'), async (req, res) => {
    const body = bodyObject(req.body);
    if (body.passive === false) throw new BadRequest('only passive revocation is supported ("passive": true)');
    const lineage = body.lineage ?? false;
    if (typeof lineage !== 'boolean') throw new BadRequest('"lineage" must be true or false');
    const revoked = await authority.revoke({
      serial: serial(body),
      reasonCode: reasonCode(body),
      reason: optionalString(body, 'reason') ?? '',
      ott: optionalString(body, 'ott'),
      clientCertificate: clientCertificate(req),
      lineage,
    });
    res.json(lineage ? { status: 'ok', revoked } : { status: 'ok' });
  });
  return r;
}
