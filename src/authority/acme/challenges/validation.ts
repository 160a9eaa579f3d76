import { isIP } from 'node:net';
import { startDeadline } from './deadline.js';
import { validateDns01 } from './dns01.js';
import { ChallengeFailure } from './failure.js';
import { validateHttp01 } from './http01.js';
import { validateTlsAlpn01 } from './tlsAlpn01.js';

/** An ACME identifier (RFC 8555 §7.1.4; type 'ip' from RFC 8738). */
export type AcmeIdentifier = { readonly type: 'dns' | 'ip'; readonly value: string };

/** The challenge types fedca validates. */
export type ChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';

/** One validation of one challenge. */
export interface ChallengeAttempt {
  readonly type: ChallengeType;
  /** dns: a lower-case A-label name, never '*.name' (a wildcard is validated by dns-01 on its base name); ip: an IPv4 or IPv6 literal. */
  readonly identifier: AcmeIdentifier;
  /** The challenge token (base64url). */
  readonly token: string;
  /** token + '.' + base64url(SHA-256 JWK thumbprint, RFC 7638). */
  readonly keyAuthorization: string;
}

/** How a validation may reach its target. */
export interface ValidationPolicy {
  /** Contact loopback, unspecified and link-local addresses too (the provisioner's `allowLoopback`; tests). */
  readonly allowLoopback: boolean;
  /** DNS servers ('IP' or 'IP:port'); undefined = the system's resolver. Used for TXT and for A/AAAA of http-01/tls-alpn-01. */
  readonly resolvers?: readonly string[];
  /** The whole attempt's deadline (DEFAULT_VALIDATION_TIMEOUT_MS unless configured). */
  readonly timeoutMs: number;
  /** Stands in for port 80; for tests only (not a config key). */
  readonly httpPort?: number;
  /** Stands in for port 443; for tests only (not a config key). */
  readonly tlsPort?: number;
}

/** The deadline of one validation attempt unless the policy says otherwise. */
export const DEFAULT_VALIDATION_TIMEOUT_MS = 10_000;

const VALIDATORS = { 'http-01': validateHttp01, 'dns-01': validateDns01, 'tls-alpn-01': validateTlsAlpn01 } as const;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why an attempt cannot be validated as given (a caller's mistake, not the target's), or undefined. */
function malformation(attempt: ChallengeAttempt, policy: ValidationPolicy): string | undefined {
  if (!Object.hasOwn(VALIDATORS, attempt.type)) return `unknown challenge type ${JSON.stringify(attempt.type)}`;
  const { type, value } = attempt.identifier;
  if (type !== 'dns' && type !== 'ip') return `unknown identifier type ${JSON.stringify(type)}`;
  if (!BASE64URL.test(attempt.token)) return 'the challenge token is not base64url';
  const [token, thumbprint, ...rest] = attempt.keyAuthorization.split('.');
  if (token !== attempt.token || thumbprint === undefined || !BASE64URL.test(thumbprint) || rest.length > 0) {
    return 'the key authorization is not <token>.<thumbprint> of this challenge';
  }
  if (type === 'ip' && (isIP(value) === 0 || value.includes('%'))) return `${JSON.stringify(value)} is not an IP address`;
  if (type === 'dns' && !DNS_NAME.test(value.replace(/^\*\./, ''))) return `${JSON.stringify(value)} is not a lower-case DNS name`;
  if (type === 'dns' && value.startsWith('*.') && attempt.type !== 'dns-01') return `${attempt.type} cannot validate the wildcard ${value}`;
  if (!(policy.timeoutMs > 0) || !Number.isFinite(policy.timeoutMs)) return `the validation timeout ${policy.timeoutMs} ms is not a positive number`;
  return undefined;
}

/**
 * Validates one challenge against its target, off the request path, within
 * policy.timeoutMs. Resolves when the target answers right; throws ChallengeFailure
 * otherwise (never another error), its problemType the ACME error type to record.
 */
export async function validateChallenge(attempt: ChallengeAttempt, policy: ValidationPolicy): Promise<void> {
  const malformed = malformation(attempt, policy);
  if (malformed) throw new ChallengeFailure('malformed', malformed);
  const deadline = startDeadline(policy.timeoutMs);
  try {
    await VALIDATORS[attempt.type](attempt, policy, deadline);
  } catch (err) {
    if (err instanceof ChallengeFailure) throw err;
    throw new ChallengeFailure('connection', `${attempt.type} validation of ${attempt.identifier.value} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    deadline.end();
  }
}
