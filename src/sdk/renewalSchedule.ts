import type { X509Certificate } from 'node:crypto';

/**
 * When a certificate is renewed. A certificate is due at 2/3 of its lifetime,
 * or `expiresInMs` before it expires if that comes first; the daemon spreads
 * renewals by a small jitter around that moment, and backs off exponentially
 * after failures. The lifetime starts at notBefore, or when the certificate was
 * received if that is later: CAs backdate notBefore (fedca and step-ca by a
 * minute), which would make a short certificate due the moment it arrives.
 */

/** A certificate's validity period, and when it was received if known. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly receivedAt?: Date;
}

/** The least a daemon waits after a renewal, or before retrying one. */
export const MIN_WAIT_MS = 1000;
/** The most a daemon waits before retrying a failed renewal, however long the certificate lives. */
export const MAX_RETRY_MS = 5 * 60_000;
const MAX_JITTER_MS = 10 * 60_000;

/** The validity of an X.509 certificate (received at `receivedAt`, when known). */
export function validityOf(certificate: X509Certificate, receivedAt?: Date): Validity {
  return { notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo), receivedAt };
}

const startMs = (v: Validity): number => Math.max(v.notBefore.getTime(), Math.min(v.receivedAt?.getTime() ?? 0, v.notAfter.getTime()));
const lifetimeMs = (v: Validity): number => Math.max(0, v.notAfter.getTime() - startMs(v));

/** When the certificate is due for renewal: 2/3 of its lifetime, or `expiresInMs` before its end if earlier. */
export function renewalDue(v: Validity, expiresInMs?: number): Date {
  const twoThirds = startMs(v) + (2 * lifetimeMs(v)) / 3;
  return new Date(expiresInMs === undefined ? twoThirds : Math.min(twoThirds, v.notAfter.getTime() - expiresInMs));
}

/**
 * When a daemon renews next: the due time plus or minus a jitter of up to 1/40
 * of the lifetime (at most 10 minutes), so that many clients issued together do
 * not renew together. `random` returns a number in [0, 1).
 */
export function nextRenewal(v: Validity, expiresInMs: number | undefined, random: () => number = Math.random): Date {
  const jitter = (random() * 2 - 1) * Math.min(lifetimeMs(v) / 40, MAX_JITTER_MS);
  return new Date(renewalDue(v, expiresInMs).getTime() + jitter);
}

/**
 * How long to wait after the `failures`-th failure in a row: 1 s, 2 s, 4 s, …,
 * capped at a tenth of the lifetime and at 5 minutes, never under a second.
 */
export function retryDelayMs(failures: number, v: Validity): number {
  const cap = Math.max(MIN_WAIT_MS, Math.min(MAX_RETRY_MS, lifetimeMs(v) / 10));
  return Math.min(cap, MIN_WAIT_MS * 2 ** Math.min(Math.max(failures - 1, 0), 30));
}

/** How a RenewalSchedule times renewals beyond the defaults. */
export interface RenewalScheduleOptions {
  /** Renew this long before the end when that comes before 2/3 of the lifetime (`renew --expires-in`). */
  readonly expiresInMs?: number;
  /** Returns a number in [0, 1) for the jitter; default Math.random. */
  readonly random?: () => number;
}

/**
 * The one renewal schedule of a certificate that keeps being renewed (the CLI's
 * `renew --daemon`, the SDK's ManagedIdentity, the CA server's own TLS
 * certificate): due at 2/3 of its lifetime counted from receipt, ± jitter;
 * after a renewal at least MIN_WAIT_MS later; after failures, backing off
 * 1 s, 2 s, 4 s, … up to 5 minutes. Pure: it says when, the caller waits.
 */
export class RenewalSchedule {
  private validity: Validity;
  private failures = 0;
  private dueAt: Date;

  constructor(
    validity: Validity,
    private readonly options: RenewalScheduleOptions = {},
  ) {
    this.validity = validity;
    this.dueAt = this.draw();
  }

  private draw(): Date {
    return nextRenewal(this.validity, this.options.expiresInMs, this.options.random);
  }

  /** When the current certificate is to be renewed (its jitter drawn once); may be past for a certificate already due. */
  get due(): Date {
    return this.dueAt;
  }

  /** A new certificate arrived: failures are forgotten; returns when to renew it, at least MIN_WAIT_MS after `now`. */
  renewed(validity: Validity, now = new Date()): Date {
    this.validity = validity;
    this.failures = 0;
    this.dueAt = new Date(Math.max(this.draw().getTime(), now.getTime() + MIN_WAIT_MS));
    return this.dueAt;
  }

  /** A renewal failed: returns when to try again (retryDelayMs of the failures in a row). */
  failed(now = new Date()): Date {
    this.failures += 1;
    this.dueAt = new Date(now.getTime() + retryDelayMs(this.failures, this.validity));
    return this.dueAt;
  }
}
