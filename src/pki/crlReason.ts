/** RFC 5280 §5.3.1 CRLReason names, by code (7 is unused). */
const CRL_REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

/** CRLReason superseded: the certificate was replaced (a renewal, with `revokeOnRenew`). */
export const CRL_REASON_SUPERSEDED = 4;

/** True for a code RFC 5280 defines: 0-6 and 8-10. */
export const isCrlReason = (code: number): boolean => Number.isInteger(code) && CRL_REASONS[code] !== undefined;

/** The RFC 5280 name of a CRLReason code ("keyCompromise"), or "reason N" for one it does not define. */
export const crlReasonName = (code: number): string => CRL_REASONS[code] ?? `reason ${code}`;
