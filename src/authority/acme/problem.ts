import type { AcmeProblemRecord } from '../../store/store.js';
import { ACME_ERROR_URN_PREFIX } from './challenges/failure.js';

/** The ACME error types of RFC 8555 §6.7 fedca answers with (RFC 9773 adds none). */
export type AcmeErrorType =
  | 'accountDoesNotExist'
  | 'alreadyRevoked'
  | 'badCSR'
  | 'badNonce'
  | 'badPublicKey'
  | 'badRevocationReason'
  | 'badSignatureAlgorithm'
  | 'connection'
  | 'dns'
  | 'externalAccountRequired'
  | 'incorrectResponse'
  | 'invalidContact'
  | 'malformed'
  | 'orderNotReady'
  | 'rateLimited'
  | 'rejectedIdentifier'
  | 'serverInternal'
  | 'tls'
  | 'unauthorized'
  | 'unsupportedContact'
  | 'unsupportedIdentifier';

/**
 * step-ca's statuses for ACME errors (acme/errors.go): 400 for every type but
 * unauthorized (401) and serverInternal (500); RFC 8555 leaves most to the server.
 */
const STATUS: Partial<Record<AcmeErrorType, number>> = { unauthorized: 401, serverInternal: 500 };

/**
 * A refusal of an ACME request, written as an RFC 7807 problem document
 * (`application/problem+json`) by api/acme. `status` defaults to step-ca's for the type;
 * `location` is sent as a Location header (a key change to a key another account
 * has: 409 with that account's URL).
 */
export class AcmeProblem extends Error {
  readonly code = 'ERR_ACME_PROBLEM';
  readonly status: number;

  constructor(
    readonly type: AcmeErrorType,
    readonly detail: string,
    status?: number,
    readonly location?: string,
  ) {
    super(detail);
    this.status = status ?? STATUS[type] ?? 400;
  }

  /** The full `type` URN. */
  get urn(): string {
    return ACME_ERROR_URN_PREFIX + this.type;
  }

  /** As ACME objects carry it (a challenge's or order's `error`) and the store keeps it. */
  record(): AcmeProblemRecord {
    return { type: this.urn, detail: this.detail, status: this.status };
  }
}

/** malformed with 404: the URL names no such resource. */
export const notFound = (what: string): AcmeProblem => new AcmeProblem('malformed', `${what} not found`, 404);
