import type { Authority } from '../authority/authority.js';
import { crlRoute } from './crl.js';
import type { DirectRoute } from './directRoute.js';
import { ocspRoute } from './ocsp.js';

/**
 * OCSP and GET /crl, answered directly on both listeners (the HTTPS API and the plain-HTTP
 * `insecureAddress`): relying parties ask for revocation status often.
 */
export function revocationStatusRoute(authority: Authority): DirectRoute {
  const ocsp = ocspRoute(authority);
  const crl = crlRoute(authority);
  return (req, path) => ocsp(req, path) ?? crl(req, path);
}
