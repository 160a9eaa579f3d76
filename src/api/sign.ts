import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authority } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { toPem } from '../pki/pem.js';
import { writeErrorFor } from './errors.js';
import { bodyObject, optionalString, readJsonBody, requiredString } from './jsonBody.js';
import { sendJson } from './sendJson.js';

/** The sign response of api.md for a leaf and its chain. */
export function signResponse(chain: readonly Buffer[]): { crt: string; ca: string; certChain: string[] } {
  const pems = chain.map((der, i) => (i === 0 ? toPem(der) : issuerPem(der)));
  return { crt: pems[0], ca: pems[1], certChain: pems };
}

const issuerPems = new WeakMap<Buffer, string>();

/** The PEM of an issuing certificate: the same object every time, so encoded once. */
function issuerPem(der: Buffer): string {
  let pem = issuerPems.get(der);
  if (pem === undefined) {
    pem = toPem(der);
    issuerPems.set(der, pem);
  }
  return pem;
}

/** `templateData.profile` (step's `--set profile=NAME`): the certificate profile asked for, when the token cannot name one. */
function templateProfile(body: Record<string, unknown>): string | undefined {
  const data = body.templateData;
  if (data === undefined || data === null) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) throw new BadRequest('"templateData" must be an object');
  return optionalString(data as Record<string, unknown>, 'profile');
}

/** Paths of the sign route (api.md: every route also under /1.0). */
const SIGN_PATHS = new Set(['/sign', '/1.0/sign']);

/** True for a request the sign handler answers: POST /sign or /1.0/sign. */
export const isSignRequest = (req: IncomingMessage): boolean => req.method === 'POST' && SIGN_PATHS.has((req.url ?? '').split('?')[0]);

/**
 * POST /sign: CSR + one-time token → certificate (201). The busiest route by far,
 * so it is answered on plain node:http objects: express's per-request set-up
 * (it re-prototypes every request and response) cost more than the rest of the
 * HTTP handling (measured 88 vs 31 µs a request).
 */
export function signHandler(authority: Authority): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    readJsonBody(req)
      .then(async (raw) => {
        const body = bodyObject(raw);
        const csr = requiredString(body, 'csr');
        const ott = requiredString(body, 'ott');
        const result = await authority.sign(csr, ott, { notBefore: optionalString(body, 'notBefore'), notAfter: optionalString(body, 'notAfter'), profile: templateProfile(body) });
        sendJson(res, 201, signResponse(result.chain));
      })
      .catch((err: unknown) => writeErrorFor(res, err));
  };
}
