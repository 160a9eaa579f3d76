import type { ClaimsConfig } from '../config/caConfig.js';
import { parseDuration } from '../config/duration.js';
import { DEFAULT_MAX_TOKEN_LIFETIME_MS } from './tokenClaims.js';

/** Duration and renewal rules in force for one provisioner (its own over the global ones). */
export interface Claims {
  readonly minTLSCertDurationMs: number;
  readonly maxTLSCertDurationMs: number;
  readonly defaultTLSCertDurationMs: number;
  /** Longest token lifetime (exp - max(iat, nbf)) its tokens may have. */
  readonly maxTokenLifetimeMs: number;
  readonly disableRenewal: boolean;
  readonly allowRenewalAfterExpiry: boolean;
}

/** step-ca's defaults: 5 m, 24 h, 24 h; renewal on, not after expiry; tokens live at most 24 h. */
export const DEFAULT_CLAIMS: Claims = {
  minTLSCertDurationMs: 5 * 60_000,
  maxTLSCertDurationMs: 24 * 3_600_000,
  defaultTLSCertDurationMs: 24 * 3_600_000,
  maxTokenLifetimeMs: DEFAULT_MAX_TOKEN_LIFETIME_MS,
  disableRenewal: false,
  allowRenewalAfterExpiry: false,
};

const ms = (text: string | undefined): number | undefined => (text === undefined ? undefined : parseDuration(text));

/** Merges claims: provisioner over global over defaults (config validation checked each value). */
export function mergeClaims(global: ClaimsConfig | undefined, own: ClaimsConfig | undefined): Claims {
  const pick = <K extends keyof ClaimsConfig>(key: K): ClaimsConfig[K] => own?.[key] ?? global?.[key];
  return {
    minTLSCertDurationMs: ms(pick('minTLSCertDuration')) ?? DEFAULT_CLAIMS.minTLSCertDurationMs,
    maxTLSCertDurationMs: ms(pick('maxTLSCertDuration')) ?? DEFAULT_CLAIMS.maxTLSCertDurationMs,
    defaultTLSCertDurationMs: ms(pick('defaultTLSCertDuration')) ?? DEFAULT_CLAIMS.defaultTLSCertDurationMs,
    maxTokenLifetimeMs: ms(pick('maxTokenLifetime')) ?? DEFAULT_CLAIMS.maxTokenLifetimeMs,
    disableRenewal: pick('disableRenewal') ?? DEFAULT_CLAIMS.disableRenewal,
    allowRenewalAfterExpiry: pick('allowRenewalAfterExpiry') ?? DEFAULT_CLAIMS.allowRenewalAfterExpiry,
  };
}
