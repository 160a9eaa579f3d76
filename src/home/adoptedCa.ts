import type { KeyObject } from 'node:crypto';
import type { IssuedCertificate, Revocation, Store } from '../store/store.js';

/**
 * A CA that fedca takes over instead of creating one (easy-rsa's, say): its
 * certificate becomes the root and the issuer, and what it issued and revoked
 * goes into the store, so that its CRL lists the revocations and its
 * certificates can be revoked and renewed like fedca's own.
 */
export interface AdoptedCa {
  /** DER of the CA certificate (self-signed: it is its own root). */
  readonly certificate: Buffer;
  readonly key: KeyObject;
  /** Certificates it issued whose files were found. */
  readonly certificates: readonly IssuedCertificate[];
  readonly revocations: readonly Revocation[];
}

/** Records an adopted CA's certificates, then its revocations. */
export async function recordAdoptedHistory(store: Store, ca: AdoptedCa): Promise<void> {
  for (const certificate of ca.certificates) await store.storeCertificate(certificate);
  for (const revocation of ca.revocations) {
    const outcome = await store.revoke(revocation);
    if (outcome !== 'revoked') throw new Error(`serial ${revocation.serial} is revoked twice`);
  }
}
