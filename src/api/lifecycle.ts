import type { Authority } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { bearerToken, clientCertificate } from './clientCertificate.js';
import { bodyObject, optionalString, requiredString } from './jsonBody.js';
import type { PostRoute } from './postRoute.js';
import { signResponse } from './sign.js';

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

/** Renew (mTLS or renew token), rekey (mTLS), revoke (token or mTLS), by path (without /1.0). */
export function lifecycleRoutes(authority: Authority): Readonly<Record<'/renew' | '/rekey' | '/revoke', PostRoute>> {
  return {
    '/renew': async (_body, req) => {
      const token = bearerToken(req);
      const result = token ? await authority.renewWithToken(token) : await authority.renew(clientCertificate(req));
      return { status: 201, body: signResponse(result.chain) };
    },
    '/rekey': async (raw, req) => {
      const csr = requiredString(bodyObject(raw), 'csr');
      const result = await authority.rekey(clientCertificate(req), csr);
      return { status: 201, body: signResponse(result.chain) };
    },
    '/revoke': async (raw, req) => {
      const body = bodyObject(raw);
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
      return { status: 200, body: lineage ? { status: 'ok', revoked } : { status: 'ok' } };
    },
  };
}
