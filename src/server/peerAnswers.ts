import { X509Certificate } from 'node:crypto';
import { fingerprint } from '../pki/issuer.js';
import { pemDers } from '../pki/pem.js';
import { isRoot } from '../pki/root.js';

/** Root checks remembered (by fingerprint) before the memory is cleared. */
const CHECKED_MAX = 1_000;

/** A root's validity, remembered so that a root is parsed and verified once, not at every sync. */
interface CheckedRoot {
  readonly notBefore: number;
  readonly notAfter: number;
}

/**
 * Judges a federation peer's `/roots` answer: whether it may replace the roots
 * held for the peer. A root is parsed and its signature verified the first time
 * it is seen; later answers listing it cost a SHA-256 and a date comparison.
 */
export class PeerAnswers {
  private readonly checked = new Map<string, CheckedRoot>();

  /**
   * The roots of `pems` (DER), at most `maxRoots`, the `pinned` fingerprint among
   * them, each a root valid at `now`. Throws Error saying why not otherwise.
   */
  check(pems: readonly string[], pinned: string, maxRoots: number, now = Date.now()): Buffer[] {
    if (pems.length > maxRoots) throw new Error(`the peer lists ${pems.length} roots, more than maxRoots (${maxRoots})`);
    const ders = pems.flatMap((pem) => pemDers(pem));
    if (ders.length === 0) throw new Error('the peer lists no roots');
    if (ders.length > maxRoots) throw new Error(`the peer lists ${ders.length} roots, more than maxRoots (${maxRoots})`);
    const fingerprints = ders.map(fingerprint);
    // The pin names the peer's own root: an answer without it is not the peer's (or rotated too early).
    if (!fingerprints.includes(pinned)) {
      throw new Error(`the peer's /roots no longer lists the pinned root ${pinned} (to rotate, list the new root beside it, then re-pin)`);
    }
    ders.forEach((der, i) => {
      const validity = this.checkRoot(der, fingerprints[i]);
      if (now < validity.notBefore) throw new Error(`the peer lists a root that is not valid yet (sha256 ${fingerprints[i]})`);
      if (now > validity.notAfter) throw new Error(`the peer lists an expired root (sha256 ${fingerprints[i]})`);
    });
    return ders;
  }

  /** Parses and verifies a root not seen before (remembering its validity); Error when it is not a root. */
  private checkRoot(der: Buffer, sha: string): CheckedRoot {
    const known = this.checked.get(sha);
    if (known) return known;
    if (!isRoot(der)) throw new Error(`the peer lists a certificate that is not a root (sha256 ${sha})`);
    const x509 = new X509Certificate(der);
    const validity = { notBefore: Date.parse(x509.validFrom), notAfter: Date.parse(x509.validTo) };
    if (this.checked.size >= CHECKED_MAX) this.checked.clear();
    this.checked.set(sha, validity);
    return validity;
  }
}
