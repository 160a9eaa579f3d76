import { signCrl } from '../pki/crl.js';
import type { Issuer } from '../pki/issuer.js';
import type { CrlStamp, Store } from '../store/store.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';
import { Unavailable } from '../errors.js';

/**
 * Serves the CRL every replica agrees on: the one in the store, rebuilt (with the
 * next CRL number) when revocations came after it or 2/3 of its validity passed.
 * The last CRL read or built is kept in memory by its number, so that serving an
 * unchanged CRL reads only the store's small CRL stamp, not megabytes of DER.
 */
export class CrlPublisher {
  private kept?: { readonly crlNumber: bigint; readonly der: Buffer };

  constructor(
    private readonly store: Store,
    private readonly issuer: Issuer,
    private readonly validityMs: number,
  ) {}

  private fresh(stamp: CrlStamp, now: Date): boolean {
    return stamp.builtFromSeq === stamp.revocationSeq && now.getTime() < stamp.thisUpdate.getTime() + (this.validityMs * 2) / 3;
  }

  /** The current CRL (DER), rebuilding it first when needed. */
  async current(now = new Date()): Promise<Buffer> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const stamp = await this.store.crlStamp();
      if (this.fresh(stamp, now) && this.kept?.crlNumber === stamp.crlNumber) return this.kept.der;
      const state = await this.store.crlState();
      if (state.der && this.fresh(state, now)) {
        this.kept = { crlNumber: state.crlNumber, der: state.der };
        return state.der;
      }
      const crlNumber = state.crlNumber + 1n;
      const thisUpdate = new Date(now.getTime() - BACKDATE_MS);
      const entries = (await this.store.revocations(now)).map((r) => ({ serial: BigInt(r.serial), revokedAt: r.revokedAt, reasonCode: r.reasonCode }));
      const der = signCrl({ crlNumber, thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + this.validityMs), entries }, this.issuer);
      // Another replica may have saved number `crlNumber` first: then read theirs.
      if (await this.store.saveCrl(crlNumber, der, thisUpdate, state.revocationSeq)) {
        this.kept = { crlNumber, der };
        return der;
      }
    }
    // Other replicas kept winning the race to save the next number: the client may simply retry.
    throw new Unavailable('the CRL is being rebuilt, retry');
  }
}
