/** The ACME problem types a challenge validation can end in (RFC 8555 §6.7, without the URN prefix). */
export type AcmeProblemType = 'connection' | 'dns' | 'incorrectResponse' | 'unauthorized' | 'tls' | 'rejectedIdentifier' | 'malformed';

/** The prefix of every ACME error type URN; the full type is this + problemType. */
export const ACME_ERROR_URN_PREFIX = 'urn:ietf:params:acme:error:';

/**
 * Why a challenge did not validate: an ACME problem type and a message that says
 * what was found (the address tried, the answer received), for the challenge's
 * `error` problem document.
 */
export class ChallengeFailure extends Error {
  readonly code = 'ERR_ACME_CHALLENGE';

  constructor(
    readonly problemType: AcmeProblemType,
    message: string,
  ) {
    super(message);
    this.name = 'ChallengeFailure';
  }

  /** The ACME error type URN, e.g. `urn:ietf:params:acme:error:connection`. */
  get problemUrn(): string {
    return ACME_ERROR_URN_PREFIX + this.problemType;
  }
}

/** How much of a peer's answer a message quotes. */
const QUOTED_CHARS = 64;

/** Quotes text received from a validation target for a message: JSON-escaped, cut after 64 characters with "…". */
export function quoted(text: string): string {
  return JSON.stringify(text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text);
}
