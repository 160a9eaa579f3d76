/**
 * The typed errors of the CA core's layers (authority, provisioners): each carries
 * the HTTP status it maps to, a stable `code` that api.md's JSON error body
 * carries too, and a message safe to show the client (never a secret); `api/`
 * renders them in one place. Lowest layer: anything may import it.
 */

/** The stable codes of errors the server answers with, one per kind of refusal. */
export type AuthorityErrorCode = 'ERR_BAD_REQUEST' | 'ERR_UNAUTHORIZED' | 'ERR_FORBIDDEN' | 'ERR_NOT_FOUND' | 'ERR_PAYLOAD_TOO_LARGE';

export class AuthorityError extends Error {
  constructor(
    readonly status: number,
    readonly code: AuthorityErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** 400: the request is malformed (bad CSR, bad JSON, bad duration). */
export class BadRequest extends AuthorityError {
  constructor(message: string) {
    super(400, 'ERR_BAD_REQUEST', message);
  }
}

/** 401: missing or invalid token or client certificate. */
export class Unauthorized extends AuthorityError {
  constructor(message: string) {
    super(401, 'ERR_UNAUTHORIZED', message);
  }
}

/** 403: authenticated, but policy does not allow it. */
export class Forbidden extends AuthorityError {
  constructor(message: string) {
    super(403, 'ERR_FORBIDDEN', message);
  }
}

/** 404: no such resource. */
export class NotFound extends AuthorityError {
  constructor(message: string) {
    super(404, 'ERR_NOT_FOUND', message);
  }
}

/** 413: the request body is over the limit api.md sets (256 KiB). */
export class PayloadTooLarge extends AuthorityError {
  constructor(message: string) {
    super(413, 'ERR_PAYLOAD_TOO_LARGE', message);
  }
}

/** A provisioner's `options.profiles` is not a list of known profile names (a configuration error, found on load). */
export class ProfileListError extends Error {
  readonly code = 'ERR_PROFILE_LIST';
}
