import type { RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Authority } from '../authority/authority.js';
import { logWhenFinished, type LogSink } from './accessLog.js';
import { errorHandler, notFound } from './errors.js';
import { revocationStatusRoute } from './revocationStatus.js';
import { requestPath } from './paths.js';
import { publicationRoutes } from './publication.js';

/**
 * What the plain-HTTP listener serves: revocation data and the CA certificates
 * relying parties fetch over HTTP (the Windows and macOS stores do, and a CRL
 * over TLS signed by the same CA is circular). Nothing else, at `/X` and `/1.0/X`.
 */
const INSECURE_PATHS = /^\/(?:1\.0\/)?(?:crl|ocsp(?:\/.+)?|roots\.pem|intermediates\.pem)$/;

/** Answers 404 for any path the plain-HTTP listener does not serve, before a route can. */
function onlyInsecurePaths(req: Request, res: Response, next: NextFunction): void {
  if (INSECURE_PATHS.test(req.path)) next();
  else notFound(req, res);
}

/** The API of the `insecureAddress` listener (plain HTTP): GET /crl and OCSP (answered directly, as on the main listener), /roots.pem, /intermediates.pem; JSON 404 for the rest. */
export function createInsecureApi(authority: Authority, options: { readonly log?: LogSink } = {}): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(onlyInsecurePaths);
  app.use(publicationRoutes(authority));
  app.use(notFound);
  app.use(errorHandler);
  const revocationStatus = revocationStatusRoute(authority);
  return (req, res) => {
    if (options.log) logWhenFinished(options.log, req, res);
    const path = requestPath(req);
    const direct = revocationStatus(req, path);
    if (direct) direct(req, res);
    else app(req, res);
  };
}
