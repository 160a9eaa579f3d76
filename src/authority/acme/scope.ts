import type { Authority } from '../authority.js';
import type { AcmeProvisioner } from '../../provisioners/acme.js';
import type { Store } from '../../store/store.js';
import type { ChallengeValidations } from './challengeValidations.js';
import type { AcmeLinks } from './links.js';

/** What an ACME request is answered with: one provisioner's state, its URLs (from the request's host), the time. */
export interface AcmeScope {
  readonly store: Store;
  readonly authority: Authority;
  readonly provisioner: AcmeProvisioner;
  readonly links: AcmeLinks;
  readonly validations: ChallengeValidations;
  readonly now: Date;
}

/** A successful ACME answer, for api/acme to render (a fresh Replay-Nonce and the index link are added there). */
export interface AcmeAnswer {
  readonly status: number;
  /** A JSON body … */
  readonly json?: unknown;
  /** … or a PEM certificate chain (`application/pem-certificate-chain`). */
  readonly pem?: string;
  readonly location?: string;
  /** Further Link header values (`<url>;rel="up"`). */
  readonly links?: readonly string[];
  /** Seconds, for a resource still being worked on (RFC 8555 §8.2). */
  readonly retryAfter?: number;
}

/** A `Link` header value. */
export const link = (url: string, rel: string): string => `<${url}>;rel="${rel}"`;
