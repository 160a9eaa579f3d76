import express, { Router, type Express } from 'express';
import type { Authority } from '../authority/authority.js';
import { VERSION } from '../config/version.js';
import { accessLog, type LogSink } from './accessLog.js';
import { errorHandler, notFound } from './errors.js';
import { provisionerRoutes } from './provisioners.js';
import { publicationRoutes } from './publication.js';
import { signRoutes } from './sign.js';
import { lifecycleRoutes } from './lifecycle.js';
import { crlRoutes } from './crl.js';
import { ocspRoutes } from './ocsp.js';

export interface AppOptions {
  /** Access-log sink; none means no access log. */
  readonly log?: LogSink;
}

/** The express app of api.md: every route at `/X` and `/1.0/X`, JSON errors throughout. */
export function createApp(authority: Authority, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.log) app.use(accessLog(options.log));
  // Every body is JSON (step's clients do not always say so), except OCSP's DER requests.
  app.use(express.json({ limit: '256kb', type: (req) => !String(req.headers['content-type'] ?? '').startsWith('application/ocsp-request'), strict: false }));

  const api = Router();
  api.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  api.get('/version', (_req, res) => {
    res.json({ version: VERSION, requireClientAuthentication: false });
  });
  api.use(publicationRoutes(authority));
  api.use(provisionerRoutes(authority));
  api.use(signRoutes(authority));
  api.use(lifecycleRoutes(authority));
  api.use(crlRoutes(authority));
  api.use(ocspRoutes(authority));

  app.use('/1.0', api);
  app.use(api);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
