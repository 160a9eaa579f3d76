import express, { type Express } from 'express';
import type { Authority } from '../authority/authority.js';
import { VERSION } from '../config/version.js';
import { accessLog, type LogSink } from './accessLog.js';
import { errorHandler, notFound } from './errors.js';
import { jsonBody } from './jsonBody.js';
import { both } from './paths.js';
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

/** The express app of api.md: every route at `/X` and `/1.0/X`, JSON errors throughout, bodies up to 256 KiB. */
export function createApp(authority: Authority, options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.log) app.use(accessLog(options.log));
  app.use(jsonBody);

  // Flat routes, each registered at both paths; the sign path, by far the busiest, first.
  app.use(signRoutes(authority));
  app.get(both('/health'), (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(both('/version'), (_req, res) => {
    res.json({ version: VERSION, requireClientAuthentication: false });
  });
  app.use(publicationRoutes(authority));
  app.use(provisionerRoutes(authority));
  app.use(lifecycleRoutes(authority));
  app.use(crlRoutes(authority));
  app.use(ocspRoutes(authority));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
