import type { IncomingMessage } from 'node:http';

/** What identifies one representation for HTTP caches (RFC 9110 §8.8). */
export interface Validators {
  /** A strong entity tag, quoted: `"..."`. */
  readonly etag: string;
  /** When the representation last changed; HTTP compares it in whole seconds. */
  readonly lastModified: Date;
}

/** The entity tags of an If-None-Match list, without their weak prefixes (If-None-Match compares weakly). */
function entityTags(header: string): string[] {
  return header.split(',').map((t) => t.trim().replace(/^W\//, ''));
}

/**
 * Whether a GET or HEAD may be answered 304 Not Modified (RFC 9110 §13.2.2): when
 * If-None-Match is sent it alone decides (a listed tag matches, or `*`); otherwise
 * If-Modified-Since does, when it is an IMF-fixdate (what HTTP/1.1 clients send;
 * the obsolete forms, and anything else, mean a full answer, never an error) no
 * earlier than the last modification.
 */
export function notModified(req: IncomingMessage, validators: Validators): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) return entityTags(ifNoneMatch).some((t) => t === '*' || t === validators.etag);
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = new Date(ifModifiedSince);
  // Date's own parser takes almost anything ("9999" is a year): only a date that reads back as sent counts.
  if (Number.isNaN(since.getTime()) || since.toUTCString() !== ifModifiedSince) return false;
  return Math.floor(validators.lastModified.getTime() / 1000) * 1000 <= since.getTime();
}
