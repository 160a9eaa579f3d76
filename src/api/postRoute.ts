import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeErrorFor } from './errors.js';
import { readJsonBody } from './jsonBody.js';
import { sendJson } from './sendJson.js';

/** What a POST route answers: a status and a JSON body. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** A POST route answered on plain node:http objects: the request's JSON body (undefined when empty) in, a JSON answer out. */
export type PostRoute = (body: unknown, req: IncomingMessage) => Promise<JsonAnswer>;

/**
 * The request listener of a POST route: reads the JSON body (256 KiB at most), runs
 * the route, writes its answer or api.md's JSON error. The busy POST routes (sign,
 * renew, rekey, revoke) are served this way rather than by express, whose
 * per-request set-up (it re-prototypes every request and response, then walks its
 * router) cost more than the rest of the HTTP handling: 88 against 31 µs a sign,
 * and about a seventh of a renewal's CPU on a fresh mTLS connection.
 */
export function postRoute(route: PostRoute): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    readJsonBody(req)
      .then((body) => route(body, req))
      .then((answer) => sendJson(res, answer.status, answer.body))
      .catch((err: unknown) => writeErrorFor(res, err));
  };
}
