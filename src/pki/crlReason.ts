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

/** The RFC 5280 name of a CRLReason code ("keyCompromise"), or "reason N" for one it does not define. */
export const crlReasonName = (code: number): string => CRL_REASONS[code] ?? `reason ${code}`;
