import { ChallengeFailure } from './challenges/failure.js';
import type { ChallengeAttempt, ValidationPolicy } from './challenges/validation.js';
import type { AcmeErrorType } from './problem.js';

/**
 * What validates one challenge: `validateChallenge` (challenges/validation.ts) in the
 * server; tests inject their own. Rejects with a ChallengeFailure when the challenge
 * is not met.
 */
export type ChallengeValidator = (attempt: ChallengeAttempt, policy: ValidationPolicy) => Promise<void>;

/** The ACME error type and message of a validator's rejection (serverInternal for anything but a ChallengeFailure). */
export function failureProblem(err: unknown): { type: AcmeErrorType; detail: string } {
  if (err instanceof ChallengeFailure) return { type: err.problemType, detail: err.message.slice(0, 300) };
  return { type: 'serverInternal', detail: `validation failed: ${String((err as Error)?.message ?? err).slice(0, 300)}` };
}
