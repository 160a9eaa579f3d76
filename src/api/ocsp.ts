import express, { Router, type Response } from 'express';
import type { Authority, OcspAnswer } from '../authority/authority.js';
import { BadRequest } from '../errors.js';
import { both } from './paths.js';

function send(res: Response, answer: OcspAnswer): void {
  res.set('cache-control', answer.maxAgeSeconds > 0 ? `public, max-age=${answer.maxAgeSeconds}, no-transform` : 'no-store');
  res.type('application/ocsp-response').send(answer.der);
}

/** RFC 6960 appendix A: POST /ocsp with a DER body, or GET /ocsp/{url-encoded base64 DER}. */
export function ocspRoutes(authority: Authority): Router {
  const r = Router();
  r.post(both('/ocsp'), express.raw({ type: () => true, limit: '16kb' }), async (req, res) => {
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new BadRequest('OCSP request body is empty');
    send(res, await authority.ocsp(body));
  });
  r.get(/^\/(?:1\.0\/)?ocsp\/(.+)$/, async (req, res) => {
    const encoded = req.path.replace(/^\/(?:1\.0\/)?ocsp\//, '');
    let der: Buffer;
    try {
      der = Buffer.from(decodeURIComponent(encoded), 'base64');
    } catch {
      throw new BadRequest('OCSP request is not URL-encoded base64');
    }
    send(res, await authority.ocsp(der));
  });
  return r;
}
