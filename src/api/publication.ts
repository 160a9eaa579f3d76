import { Router, type Response } from 'express';
import type { Authority } from '../authority/authority.js';
import { toPem } from '../pki/pem.js';
import { both } from './paths.js';

const crts = (ders: readonly Buffer[]): { crts: string[] } => ({ crts: ders.map((d) => toPem(d)) });
const pemBundle = (res: Response, ders: readonly Buffer[]): void => {
  res.type('application/x-pem-file').send(ders.map((d) => toPem(d)).join(''));
};

/** What the CA publishes to anyone: roots, federation bundle, intermediates. */
export function publicationRoutes(authority: Authority): Router {
  const r = Router();
  r.get(both('/root/:sha'), (req, res) => {
    res.json({ ca: toPem(authority.rootByFingerprint(String(req.params.sha))) });
  });
  r.get(both('/roots'), (_req, res) => {
    res.json(crts(authority.roots()));
  });
  r.get(both('/roots.pem'), (_req, res) => pemBundle(res, authority.roots()));
  r.get(both('/federation'), (_req, res) => {
    res.json(crts(authority.federation()));
  });
  r.get(both('/federation.pem'), (_req, res) => pemBundle(res, authority.federation()));
  r.get(both('/intermediates'), (_req, res) => {
    res.json(crts(authority.intermediates()));
  });
  r.get(both('/intermediates.pem'), (_req, res) => pemBundle(res, authority.intermediates()));
  return r;
}
