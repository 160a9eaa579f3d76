import type { KeyObject } from 'node:crypto';
import type { IssuedCertificate, Revocation, Store, UsedToken } from '../store/store.js';

/** A revocation adopted without its certificate at hand stays on the CRL this long (its notAfter is unknown). */
export const UNKNOWN_NOT_AFTER_MS = 100 * 365 * 24 * 3_600_000;

/** What another CA did that fedca carries over: what it issued, revoked, and the tokens it spent. */
export interface AdoptedHistory {
  readonly certificates: readonly IssuedCertificate[];
  readonly revocations: readonly Revocation[];
  /** Token ids it burnt (in fedca's id form), refused at fedca too. */
  readonly usedTokens?: readonly UsedToken[];
}

/**
 * A CA that fedca takes over instead of creating one (easy-rsa's, say): its
 * certificate becomes the root and the issuer, and what it issued and revoked
 * goes into the store, so that its CRL lists the revocations and its
 * certificates can be revoked and renewed like fedca's own.
 */
export interface AdoptedCa extends AdoptedHistory {
  /** DER of the CA certificate (self-signed: it is its own root). */
  readonly certificate: Buffer;
  readonly key: KeyObject;
}

/** Records an adopted CA's certificates, then its revocations and used tokens. */
export async function recordAdoptedHistory(store: Store, ca: AdoptedHistory): Promise<void> {
  for (const certificate of ca.certificates) await store.storeCertificate(certificate);
  for (const revocation of ca.revocations) {
    const outcome = await store.revoke(revocation);
    if (outcome !== 'revoked') throw new Error(`serial ${revocation.serial} is revoked twice`);
  }
  if (ca.usedTokens?.length) await store.recordUsedTokens(ca.usedTokens);
}
