import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authority } from '../authority/authority.js';
import type { DirectRoute } from './directRoute.js';
import type { PublishedCrl } from '../authority/publishedCrl.js';
import { notModified, type Validators } from './conditionalGet.js';
import { writeErrorFor } from './errors.js';

const PATHS = new Set(['/crl', '/1.0/crl']);
/**
 * How much of a body is handed to the socket at a time. A CRL of 100,000 entries is
 * 3.8 MiB: given whole, TLS encrypted all of it before the first byte (the headers)
 * left, and held all of it encrypted per connection; a slice at a time, with the
 * socket's backpressure, the headers leave at once and a slow reader holds one slice.
 */
const SLICE_BYTES = 64 * 1024;

/** `?pem=true` (or `1`) asks for the PEM form; anything else, the DER. */
function wantsPem(url: string | undefined): boolean {
  const query = url?.split('?')[1];
  if (query === undefined) return false;
  const pem = new URLSearchParams(query).getAll('pem');
  return pem.length === 1 && (pem[0] === 'true' || pem[0] === '1');
}

/**
 * The validators of one form of a CRL: its number says which CRL it is (one DER per
 * number, whichever worker or replica serves it), thisUpdate when it was made.
 */
function validators(crl: PublishedCrl, pem: boolean): Validators {
  return { etag: `"crl-${crl.crlNumber}-${crl.thisUpdate.getTime() / 1000}${pem ? '.pem' : ''}"`, lastModified: crl.thisUpdate };
}

/** Writes `body` a slice at a time, the next slice once the socket has taken the last. */
function writeSliced(res: ServerResponse, body: Buffer): void {
  let offset = 0;
  const next = (): void => {
    while (body.length - offset > SLICE_BYTES) {
      const slice = body.subarray(offset, offset + SLICE_BYTES);
      offset += SLICE_BYTES;
      // A client that went away never drains: the response is destroyed with its listener.
      if (!res.write(slice)) return void res.once('drain', next);
    }
    res.end(body.subarray(offset));
  };
  next();
}

function send(req: IncomingMessage, res: ServerResponse, crl: PublishedCrl): void {
  const pem = wantsPem(req.url);
  const v = validators(crl, pem);
  const headers = {
    etag: v.etag,
    'last-modified': v.lastModified.toUTCString(),
    // Caches may keep it, but ask each time: a 304 costs nothing, and a revocation must bite.
    'cache-control': 'no-cache',
  };
  if (notModified(req, v)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = pem ? crl.pem : crl.der;
  res.writeHead(200, { ...headers, 'content-type': pem ? 'application/x-pem-file; charset=utf-8' : 'application/pkix-crl', 'content-length': body.length });
  if (req.method === 'HEAD') return void res.end();
  // The headers alone first, so they need not wait for the body's first slice to be encrypted.
  res.flushHeaders();
  writeSliced(res, body);
}

/**
 * GET (and HEAD) /crl and /1.0/crl: the CRL, DER (application/pkix-crl), or PEM with
 * ?pem=true, from the CRL kept in memory (a request reads only the store's small CRL
 * stamp). Answered on plain node:http objects, like OCSP: relying parties fetch it
 * often. A strong ETag and Last-Modified let refreshers ask If-None-Match or
 * If-Modified-Since and get 304 with no body while the CRL is unchanged. Resolves the
 * listener for a request (and its path) it serves, or undefined for any other.
 */
export function crlRoute(authority: Authority): DirectRoute {
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    authority.crl().then(
      (crl) => send(req, res, crl),
      (err: unknown) => writeErrorFor(res, err),
    );
  };
  return (req, path) => ((req.method === 'GET' || req.method === 'HEAD') && PATHS.has(path) ? answer : undefined);
}
