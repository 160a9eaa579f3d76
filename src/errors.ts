/**
 * The typed errors of fedca's request paths (provisioners, authority). Each carries the
 * HTTP status it maps to and a message safe to show the client (never a secret);
 * `api/` renders them in one place. Lowest layer: anything may import it.
 */
/** A request's text as a message quotes it: JSON-escaped (controls visible), cut after `max` characters so no answer echoes a request's bulk. */
export function quote(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}...` : text);
}

export class AuthorityError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400: the request is malformed (bad CSR, bad JSON, bad duration). */
export class BadRequest extends AuthorityError {
  constructor(message: string) {
    super(400, message);
  }
}

/** 401: missing or invalid token or client certificate. */
export class Unauthorized extends AuthorityError {
  constructor(message: string) {
    super(401, message);
  }
}

/** 403: authenticated, but policy does not allow it. */
export class Forbidden extends AuthorityError {
  constructor(message: string) {
    super(403, message);
  }
}

/** 404: no such resource. */
export class NotFound extends AuthorityError {
  constructor(message: string) {
    super(404, message);
  }
}

/** 413: the request body is over the limit api.md sets (256 KiB). */
export class PayloadTooLarge extends AuthorityError {
  constructor(message: string) {
    super(413, message);
  }
}

/** 429: a rate limit (`rateLimit` in ca.json) is exhausted; the client may retry after `retryAfterSeconds`. */
export class TooManyRequests extends AuthorityError {
  /** Whole seconds, at least 1: what `Retry-After` says. */
  readonly retryAfterSeconds: number;

  /** `whose` names the bucket ("from 10.0.0.7"); `waitMs` is when it has a token again. */
  constructor(whose: string, waitMs: number) {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    super(429, `too many requests ${whose}; retry in ${seconds} s`);
    this.retryAfterSeconds = seconds;
  }
}
