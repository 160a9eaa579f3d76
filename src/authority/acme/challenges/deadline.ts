import { ChallengeFailure } from './failure.js';

/**
 * The one deadline of a validation attempt: every network step runs `within` it,
 * so an attempt ends by `timeoutMs` whatever the peer does (RFC 8555 §10.2:
 * validation must not hang on a slow or silent target).
 */
export interface Deadline {
  readonly timeoutMs: number;
  /** Milliseconds left, at least 1. */
  remainingMs(): number;
  /**
   * Settles as `work` does, or rejects with ChallengeFailure('connection', "no answer from
   * <what> within N ms") when the deadline passes first; then `abandon` releases the work
   * (closes its socket, cancels its query).
   */
  within<T>(work: Promise<T>, what: string, abandon: () => void): Promise<T>;
  /** Stops the timer; the attempt is over. */
  end(): void;
}

/** Starts a deadline `timeoutMs` from now. */
export function startDeadline(timeoutMs: number): Deadline {
  const endsAt = Date.now() + timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const { signal } = controller;
  return {
    timeoutMs,
    remainingMs: () => Math.max(1, endsAt - Date.now()),
    within<T>(work: Promise<T>, what: string, abandon: () => void): Promise<T> {
      // The loser of the race must not surface later as an unhandled rejection.
      work.catch(() => undefined);
      return new Promise<T>((resolve, reject) => {
        const onExpiry = (): void => {
          abandon();
          reject(new ChallengeFailure('connection', `no answer from ${what} within ${timeoutMs} ms`));
        };
        if (signal.aborted) {
          onExpiry();
          return;
        }
        signal.addEventListener('abort', onExpiry, { once: true });
        work.then(
          (value) => {
            signal.removeEventListener('abort', onExpiry);
            resolve(value);
          },
          (err: unknown) => {
            signal.removeEventListener('abort', onExpiry);
            reject(err);
          },
        );
      });
    },
    end: () => clearTimeout(timer),
  };
}
