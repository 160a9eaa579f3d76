import type { AcmeIdentifierRecord } from '../../store/store.js';
import type { AcmeErrorType } from './problem.js';

/**
 * What the ACME protocol asks of a challenge validator (src/authority/acme/challenges:
 * http-01, dns-01, tls-alpn-01): prove or refute one challenge within the policy's
 * deadline. Injected, so that tests and the protocol do not depend on the network.
 */
export interface ChallengeRequest {
  readonly type: 'http-01' | 'dns-01' | 'tls-alpn-01';
  readonly identifier: AcmeIdentifierRecord;
  readonly token: string;
  /** `token.thumbprint` (RFC 8555 §8.1). */
  readonly keyAuthorization: string;
}

/** How a provisioner validates: loopback allowed, DNS servers, deadline, ports (80/443 unless a test says). */
export interface ChallengePolicy {
  readonly allowLoopback: boolean;
  readonly resolvers?: readonly string[];
  readonly timeoutMs: number;
  readonly httpPort?: number;
  readonly tlsPort?: number;
}

/** Resolves when the challenge is met; rejects with an error carrying `problemType` (the ACME error type) when it is not. */
export type ChallengeValidator = (request: ChallengeRequest, policy: ChallengePolicy) => Promise<void>;

/** The ACME error type and message of a validator's rejection (serverInternal for an error that names none). */
export function failureProblem(err: unknown): { type: AcmeErrorType; detail: string } {
  const e = err as { problemType?: unknown; message?: unknown };
  const known: readonly string[] = ['connection', 'dns', 'incorrectResponse', 'unauthorized', 'tls', 'rejectedIdentifier', 'malformed'];
  const detail = typeof e?.message === 'string' ? e.message.slice(0, 300) : 'validation failed';
  if (typeof e?.problemType === 'string' && known.includes(e.problemType)) return { type: e.problemType as AcmeErrorType, detail };
  return { type: 'serverInternal', detail: `validation failed: ${detail}` };
}
