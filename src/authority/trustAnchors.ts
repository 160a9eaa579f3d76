import { NotFound } from '../errors.js';
import { fingerprint, normaliseFingerprint } from '../pki/fingerprint.js';

/**
 * The roots a CA publishes: its own, the federated roots of `federatedRoots`
 * files, and the roots synced from peer CAs. The federation lists them in that
 * order without duplicates; any of them can be fetched by fingerprint.
 */
export class TrustAnchors {
  private federatedDers: readonly Buffer[] = [];
  private peerDers: readonly Buffer[] = [];
  private byFingerprint = new Map<string, Buffer>();
  private bundle: Buffer[] = [];
  /** SHA-256 fingerprints (lower-case hex) of the CA's own roots, for tokens' `sha` claim. */
  readonly ownFingerprints: ReadonlySet<string>;

  constructor(
    readonly own: readonly Buffer[],
    federated: readonly Buffer[],
  ) {
    this.ownFingerprints = new Set(own.map(fingerprint));
    this.setFederated(federated);
  }

  /** Own roots first, then every federated root (files, then peers' roots), without duplicates. */
  federation(): Buffer[] {
    return [...this.bundle];
  }

  /** Replaces the roots of `federatedRoots` files (on start and on reload). */
  setFederated(ders: readonly Buffer[]): void {
    this.federatedDers = ders;
    this.index();
  }

  /** Replaces the roots synced from peer CAs; the files' roots are kept. */
  setPeers(ders: readonly Buffer[]): void {
    this.peerDers = ders;
    this.index();
  }

  /** A root or federated root by the SHA-256 of its DER (api.md's lenient form); NotFound otherwise. */
  byHash(sha: string): Buffer {
    const der = this.byFingerprint.get(normaliseFingerprint(sha));
    if (!der) throw new NotFound('root not found');
    return der;
  }

  /** Hashes each root once when the set changes, not on every request for the bundle. */
  private index(): void {
    const byFingerprint = new Map<string, Buffer>();
    for (const der of [...this.own, ...this.federatedDers, ...this.peerDers]) {
      const fp = fingerprint(der);
      if (!byFingerprint.has(fp)) byFingerprint.set(fp, der);
    }
    this.byFingerprint = byFingerprint;
    this.bundle = [...byFingerprint.values()];
  }
}
