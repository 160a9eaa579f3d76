import { Router } from 'express';
import type { Authority } from '../authority/authority.js';
import { toPem } from '../pki/pem.js';
import { both } from './paths.js';

/** GET /crl: DER (application/pkix-crl), or PEM with ?pem=true. */
export function crlRoutes(authority: Authority): Router {
  const r = Router();
  r.get(both('/crl'), async (req, res) => {
    const der = await authority.crl();
    if (req.query.pem === 'true' || req.query.pem === '1') {
      res.type('application/x-pem-file').send(toPem(der, 'X509 CRL'));
    } else {
      res.type('application/pkix-crl').send(der);
    }
  });
  return r;
}
