import type { Authority } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { toPem } from '../pki/pem.js';
import { bodyObject, optionalString, requiredString } from './jsonBody.js';
import type { PostRoute } from './postRoute.js';

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

/** POST /sign: CSR + one-time token → certificate (201). */
export function signRoute(authority: Authority): PostRoute {
  return async (raw) => {
    const body = bodyObject(raw);
    const csr = requiredString(body, 'csr');
    const ott = requiredString(body, 'ott');
    const result = await authority.sign(csr, ott, { notBefore: optionalString(body, 'notBefore'), notAfter: optionalString(body, 'notAfter'), profile: templateProfile(body) });
    return { status: 201, body: signResponse(result.chain) };
  };
}
