import { createHash, randomUUID } from 'node:crypto';
import { Unauthorized } from '../errors.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';
import { classifySans } from '../pki/extensions.js';
import type { Claims } from './claims.js';
import { compactJws, type DecodedJws } from './jws.js';
import type { RevokeAuthorization } from './provisioner.js';
import { durationValidator, extensionModifier, publicKeyValidator, sansModifier, sansValidator, validityModifier, validityValidator, type SignOption } from './signOptions.js';

/**
 * What the cloud provisioners (AWS, GCP, Azure: step-ca's "instance identity"
 * provisioners) share: trust on first use, token ids, and the sign options of an
 * instance's certificate.
 */

/** The latest time the store can hold: a trust-on-first-use id carries it, so that it is never pruned (step-ca keeps it forever). */
export const NEVER_FORGOTTEN = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));

const sha256Hex = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/** step-ca's trust-on-first-use token id: sha256 of `<provisioner's token id>.<instance>`, so one certificate per instance. */
export const firstUseTokenId = (tokenKey: string, instance: string): string => sha256Hex(`${tokenKey}.${instance}`);

/** step-ca's Azure trust-on-first-use token id: sha256 of the managed identity's resource id (`xms_mirid`). */
export const firstUseTokenIdOf = (resourceId: string): string => sha256Hex(resourceId);

/** step-ca's token id when trust on first use is disabled: sha256 of the whole token, so each token serves once. */
export const wholeTokenId = (token: DecodedJws): string => sha256Hex(compactJws(token));

/** A token id that is never seen twice: for tokens step-ca lets be used again (Azure without trust on first use). */
export const reusableTokenId = (tokenKey: string): string => `${tokenKey}:reusable:${randomUUID()}`;

/** The store id and expiry of an instance's token: its instance for ever under trust on first use, else the token until it expires. */
export function instanceTokenUse(firstUse: boolean, tokenKey: string, instance: string, token: DecodedJws, expiresAt: Date): { tokenId: string; tokenExpiresAt: Date } {
  return firstUse ? { tokenId: firstUseTokenId(tokenKey, instance), tokenExpiresAt: NEVER_FORGOTTEN } : { tokenId: wholeTokenId(token), tokenExpiresAt: expiresAt };
}

/** step-ca's answer to a revoke token of a provisioner type that has none (its base provisioner's): 401. */
export function noRevokeToken(type: string): Promise<RevokeAuthorization> {
  return Promise.reject(new Unauthorized(`${type} provisioners do not authorize revoke tokens; revoke with the certificate itself (mTLS)`));
}

/**
 * The sign options of an instance's certificate (step-ca's DefaultIIDLeafTemplate):
 * the CSR's common name and SANs; with `ownNames` (custom SANs disabled) the SANs are
 * those names, and a CSR naming others is refused. Then the provisioner extension,
 * validity within the claims, and the key rules. `first` are the type's own validators.
 */
export function instanceSignOptions(claims: Claims, extension: Buffer, ownNames: readonly string[] | undefined, first: readonly SignOption[]): SignOption[] {
  const own = ownNames ? [sansModifier(classifySans(ownNames)), sansValidator(classifySans(ownNames))] : [];
  return [
    ...first,
    ...own,
    validityModifier(claims.defaultTLSCertDurationMs, BACKDATE_MS),
    extensionModifier(extension),
    publicKeyValidator(),
    validityValidator(),
    durationValidator(claims.minTLSCertDurationMs, claims.maxTLSCertDurationMs),
  ];
}
