import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authority, OcspAnswer } from '../authority/authority.js';
import type { DirectRoute } from './directRoute.js';
import { BadRequest } from '../errors.js';
import { writeErrorFor } from './errors.js';
import { readBody } from './requestBody.js';

/** An OCSP request body is a DER OCSPRequest: this is plenty. */
const OCSP_BODY_LIMIT = 16 * 1024;
const POST_PATHS = new Set(['/ocsp', '/1.0/ocsp']);
const GET_PATH = /^\/(?:1\.0\/)?ocsp\/(.+)$/;

function send(res: ServerResponse, answer: OcspAnswer): void {
  res.writeHead(200, {
    'content-type': 'application/ocsp-response',
    'content-length': answer.der.length,
    'cache-control': answer.maxAgeSeconds > 0 ? `public, max-age=${answer.maxAgeSeconds}, no-transform` : 'no-store',
  });
  res.end(answer.der);
}

/** Reads a raw request body of at most OCSP_BODY_LIMIT bytes; PayloadTooLarge past it, BadRequest when empty. */
async function readDerBody(req: IncomingMessage): Promise<Buffer> {
  const body = await readBody(req, OCSP_BODY_LIMIT, 'OCSP request body too large (limit 16 KiB)');
  if (body.length === 0) throw new BadRequest('OCSP request body is empty');
  return body;
}

/** The DER request of the GET form: the path's URL-encoded base64; BadRequest when it does not URL-decode. */
function getFormRequest(encoded: string): Buffer {
  try {
    return Buffer.from(decodeURIComponent(encoded), 'base64');
  } catch {
    throw new BadRequest('OCSP request is not URL-encoded base64');
  }
}

/**
 * RFC 6960 appendix A: POST /ocsp with a DER body, or GET (and HEAD) /ocsp/{URL-encoded
 * base64 DER}, each also under /1.0. Answered on plain node:http objects, like the
 * busy POST routes (postRoute.ts): relying parties may ask thousands of times a
 * second. Resolves the listener for a request (and its path) it serves, or undefined for any other.
 */
export function ocspRoute(authority: Authority): DirectRoute {
  const answer = (question: (req: IncomingMessage) => Promise<Buffer>) => (req: IncomingMessage, res: ServerResponse) => {
    question(req)
      .then((der) => authority.ocsp(der))
      .then((a) => send(res, a))
      .catch((err: unknown) => writeErrorFor(res, err));
  };
  const post = answer(readDerBody);
  return (req, path) => {
    if (req.method === 'POST') return POST_PATHS.has(path) ? post : undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const m = GET_PATH.exec(path);
    if (!m) return undefined;
    const encoded = m[1];
    return answer(async () => getFormRequest(encoded));
  };
}
