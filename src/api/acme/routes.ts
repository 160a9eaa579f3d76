import type { IncomingMessage, ServerResponse } from 'node:http';
import { accountOrders, accountRequest, keyChange, newAccount } from '../../authority/acme/accounts.js';
import type { AcmeService } from '../../authority/acme/acmeService.js';
import { authorizationRequest, challengeRequest } from '../../authority/acme/authorizations.js';
import { certificateRequest, finalize, newOrder, orderRequest } from '../../authority/acme/orders.js';
import { AcmeProblem } from '../../authority/acme/problem.js';
import { renewalInfo } from '../../authority/acme/renewalInfo.js';
import { revokeCert } from '../../authority/acme/revokeCert.js';
import { link, type AcmeAnswer, type AcmeScope } from '../../authority/acme/scope.js';
import { readJsonBody } from '../jsonBody.js';
import { requestPath } from '../paths.js';
import { writeAcmeProblem } from './problemResponse.js';

/** `[/1.0]/acme/<provisioner>/<rest>`: step-ca's ACME paths under both prefixes. */
const ACME_PATH = /^(\/1\.0)?\/acme\/([^/?#]{1,128})\/([^?#]*)$/;
const ID = '([A-Za-z0-9_-]{1,64})';

type Handler = (scope: AcmeScope, body: unknown, params: readonly string[]) => Promise<AcmeAnswer>;

/** POST resources (RFC 8555 §7.1), each a JWS-signed request. */
const POST_ROUTES: readonly [RegExp, Handler][] = [
  [/^new-account$/, (s, b) => newAccount(s, b)],
  [new RegExp(`^account/${ID}$`), (s, b, [id]) => accountRequest(s, id, b)],
  [new RegExp(`^account/${ID}/orders$`), (s, b, [id]) => accountOrders(s, id, b)],
  [/^key-change$/, (s, b) => keyChange(s, b)],
  [/^new-order$/, (s, b) => newOrder(s, b)],
  [new RegExp(`^order/${ID}$`), (s, b, [id]) => orderRequest(s, id, b)],
  [new RegExp(`^order/${ID}/finalize$`), (s, b, [id]) => finalize(s, id, b)],
  [new RegExp(`^authz/${ID}$`), (s, b, [id]) => authorizationRequest(s, id, b)],
  [new RegExp(`^challenge/${ID}/${ID}$`), (s, b, [az, ch]) => challengeRequest(s, az, ch, b)],
  [new RegExp(`^certificate/${ID}$`), (s, b, [id]) => certificateRequest(s, id, b)],
  [/^revoke-cert$/, (s, b) => revokeCert(s, b)],
];
const RENEWAL_INFO = /^renewal-info\/([A-Za-z0-9_.-]{1,256})$/;

/** Whether a request is for the ACME API (handled by `acmeHandler`, not express). */
export const isAcmePath = (path: string): boolean => ACME_PATH.test(path);

/** The host the client addressed (for the URLs the CA answers with): a name or address with an optional port. */
function requestHost(req: IncomingMessage): string {
  const host = req.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(host)) throw new AcmeProblem('malformed', 'request has no usable Host header');
  return host;
}

function render(res: ServerResponse, answer: AcmeAnswer): void {
  if (answer.location) res.setHeader('location', answer.location);
  for (const l of answer.links ?? []) res.appendHeader('link', l);
  if (answer.retryAfter !== undefined) res.setHeader('retry-after', String(answer.retryAfter));
  res.statusCode = answer.status;
  if (answer.pem !== undefined) {
    res.setHeader('content-type', 'application/pem-certificate-chain; charset=utf-8');
    return void res.end(answer.pem);
  }
  if (answer.json === undefined) return void res.end();
  const body = JSON.stringify(answer.json);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/**
 * The ACME API as a node request handler, at `/acme/<provisioner>/…` and
 * `/1.0/acme/<provisioner>/…` (step-ca's paths, acme/api/handler.go). Thin: reads the
 * body (a JWS, `application/jose+json`, at most 256 KiB), calls the ACME service,
 * renders. Every response carries a fresh `Replay-Nonce` and `Link: <directory>;rel="index"`;
 * every refusal is an RFC 7807 problem document (problemResponse.ts).
 */
export function acmeHandler(service: AcmeService): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const match = ACME_PATH.exec(requestPath(req)) as RegExpExecArray;
    const [, prefix = '', name, rest] = match;
    const method = req.method ?? 'GET';
    let decodedName: string;
    try {
      decodedName = decodeURIComponent(name);
    } catch {
      throw new AcmeProblem('malformed', 'provisioner name is not valid URL encoding', 404);
    }
    const base = `https://${requestHost(req)}${prefix}/acme/${name}`;
    const scope = service.scope(decodedName, base);
    res.setHeader('replay-nonce', await service.newNonce(scope.now));
    res.setHeader('cache-control', 'no-store');
    if (rest !== 'directory') res.setHeader('link', link(scope.links.directory, 'index'));
    if (method === 'GET' || method === 'HEAD') {
      if (rest === 'directory') return render(res, service.directory(scope));
      if (rest === 'new-nonce') return render(res, { status: method === 'HEAD' ? 200 : 204 });
      const ari = RENEWAL_INFO.exec(rest);
      if (ari) return render(res, await renewalInfo(scope, ari[1]));
    }
    const route = POST_ROUTES.find(([pattern]) => pattern.test(rest));
    if (!route) {
      if (rest === 'directory' || rest === 'new-nonce' || RENEWAL_INFO.test(rest)) throw new AcmeProblem('malformed', `${method} is not allowed here`, 405);
      throw new AcmeProblem('malformed', `no such ACME resource: ${rest.slice(0, 100)}`, 404);
    }
    if (method !== 'POST') throw new AcmeProblem('malformed', `${method} is not allowed here: ACME resources are read by POST-as-GET`, 405);
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/jose+json') {
      req.resume();
      throw new AcmeProblem('malformed', 'request content-type must be application/jose+json');
    }
    const body = await readJsonBody(req);
    const params = (route[0].exec(rest) as RegExpExecArray).slice(1);
    render(res, await route[1](scope, body, params));
  };
  return (req, res) => {
    handle(req, res).catch((err: unknown) => writeAcmeProblem(res, err));
  };
}
