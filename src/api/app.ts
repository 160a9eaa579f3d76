import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import type { AcmeService } from '../authority/acme/acmeService.js';
import type { Authority } from '../authority/authority.js';
import { writeAcmeProblem } from './acme/problemResponse.js';
import { acmeHandler, isAcmePath } from './acme/routes.js';
import { VERSION } from '../config/version.js';
import { logWhenFinished, type LogSink } from './accessLog.js';
import { TooManyRequests } from '../errors.js';
import { errorHandler, notFound, writeErrorFor } from './errors.js';
import { jsonBody } from './jsonBody.js';
import { both, requestPath } from './paths.js';
import { provisionerRoutes } from './provisioners.js';
import { publicationRoutes } from './publication.js';
import { signRoute } from './sign.js';
import { postRoute } from './postRoute.js';
import { lifecycleRoutes } from './lifecycle.js';
import { crlChangesRoutes } from './crlChanges.js';
import { revocationStatusRoute } from './revocationStatus.js';

export interface ApiOptions {
  /** Access-log sink; none means no access log. */
  readonly log?: LogSink;
  /** Rate limit by client address (every route but /health): resolves 0 to serve, else the milliseconds to wait (429). */
  readonly admitAddress?: (address: string) => Promise<number>;
  /** Called with every request as it arrives (metrics). */
  readonly observe?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The ACME service answering `[/1.0]/acme/<provisioner>/…`; none: those paths are 404. */
  readonly acme?: AcmeService;
}

const HEALTH_PATHS = new Set(['/health', '/1.0/health']);

/**
 * The HTTP API of api.md as a node request listener: every route at `/X` and
 * `/1.0/X`, JSON errors throughout, bodies up to 256 KiB, one access-log line per
 * request, a rate limit by client address when `admitAddress` is given. The busy
 * POST routes (sign, renew, rekey, revoke), OCSP and GET /crl are answered directly (see
 * postRoute, revocationStatus), ACME by api/acme (RFC 7807 problems); the rest by express.
 */
export function createApi(authority: Authority, options: ApiOptions = {}): RequestListener {
  const app = expressApp(authority);
  const posts = postRoutes(authority);
  const revocationStatus = revocationStatusRoute(authority);
  const acme = options.acme && acmeHandler(options.acme);
  const route = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    const direct = (req.method === 'POST' ? posts.get(path) : undefined) ?? revocationStatus(req, path);
    if (direct) direct(req, res);
    // ACME reads its own bodies (application/jose+json) and answers problem documents.
    else if (acme && isAcmePath(path)) acme(req, res);
    else app(req, res);
  };
  const admit = options.admitAddress;
  return (req, res) => {
    if (options.log) logWhenFinished(options.log, req, res);
    options.observe?.(req, res);
    const path = requestPath(req);
    // A balancer's health checks are never limited.
    if (!admit || HEALTH_PATHS.has(path)) return route(req, res, path);
    const address = req.socket.remoteAddress ?? '';
    // ACME clients read refusals as problem documents (rateLimited), everyone else as api.md's JSON.
    const refuse = acme && isAcmePath(path) ? writeAcmeProblem : writeErrorFor;
    admit(address).then(
      (waitMs) => (waitMs === 0 ? route(req, res, path) : refuse(res, new TooManyRequests(`from ${address}`, waitMs))),
      (err: unknown) => refuse(res, err),
    );
  };
}

/** The POST routes answered on plain node:http objects, by path (each at both paths). */
function postRoutes(authority: Authority): ReadonlyMap<string, (req: IncomingMessage, res: ServerResponse) => void> {
  const routes = { '/sign': signRoute(authority), ...lifecycleRoutes(authority) };
  return new Map(Object.entries(routes).flatMap(([path, route]) => both(path).map((p) => [p, postRoute(route)] as const)));
}

/** Every other route, flat, each registered at both paths. */
function expressApp(authority: Authority): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(jsonBody);
  // A balancer's health check: 503 (with Retry-After) while the store cannot be reached.
  app.get(both('/health'), async (_req, res) => {
    await authority.checkStore();
    res.json({ status: 'ok' });
  });
  app.get(both('/version'), (_req, res) => {
    res.json({ version: VERSION, requireClientAuthentication: false });
  });
  app.use(publicationRoutes(authority));
  app.use(provisionerRoutes(authority));
  app.use(crlChangesRoutes(authority));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
