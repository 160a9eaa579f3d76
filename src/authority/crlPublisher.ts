import { setTimeout as sleep } from 'node:timers/promises';
import { signCrl } from '../pki/crl.js';
import type { Issuer } from '../pki/issuer.js';
import type { CrlStamp, Store } from '../store/store.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';
import { Unavailable } from '../errors.js';
import { PublishedCrl } from './publishedCrl.js';

const SECOND_MS = 1000;

/**
 * The thisUpdate of the CRL that replaces one made at `previous`: backdated like
 * certificates, in whole seconds (what the DER holds), and one second after
 * `previous` at least. thisUpdate is the CRL's Last-Modified, which HTTP compares in
 * whole seconds: two CRLs in one second would let a client holding the first take
 * the second for unchanged, and a CRL older than the one before would be taken for
 * unchanged too. It runs ahead of the backdated time only while CRLs are rebuilt more
 * than once a second (`current` then waits rather than let it pass `now`), or when
 * the previous CRL came from a replica whose clock is ahead.
 */
export function nextThisUpdate(previous: Date, now: Date): Date {
  const backdated = Math.floor((now.getTime() - BACKDATE_MS) / SECOND_MS) * SECOND_MS;
  return new Date(Math.max(backdated, Math.floor(previous.getTime() / SECOND_MS) * SECOND_MS + SECOND_MS));
}

/**
 * Serves the CRL every replica agrees on: the one in the store, rebuilt (with the
 * next CRL number) when revocations came after it or 2/3 of its validity passed.
 * The last CRL read or built is kept in memory by its number, so that serving an
 * unchanged CRL reads only the store's small CRL stamp, not megabytes of DER.
 */
export class CrlPublisher {
  private kept?: PublishedCrl;

  constructor(
    private readonly store: Store,
    private readonly issuer: Issuer,
    private readonly validityMs: number,
  ) {}

  private fresh(stamp: CrlStamp, now: Date): boolean {
    return stamp.builtFromSeq === stamp.revocationSeq && now.getTime() < stamp.thisUpdate.getTime() + (this.validityMs * 2) / 3;
  }

  /** The current CRL, rebuilding it first when needed. */
  async current(now = new Date()): Promise<PublishedCrl> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const stamp = await this.store.crlStamp();
      if (this.fresh(stamp, now) && this.kept?.crlNumber === stamp.crlNumber) return this.kept;
      const state = await this.store.crlState();
      if (state.der && this.fresh(state, now)) {
        this.kept = new PublishedCrl(state.crlNumber, state.thisUpdate, state.der);
        return this.kept;
      }
      const crlNumber = state.crlNumber + 1n;
      const thisUpdate = nextThisUpdate(state.thisUpdate, now);
      // Rebuilt more than once a second for a minute (or after a replica whose clock is
      // ahead): a second's wait at most keeps thisUpdate out of the future.
      const ahead = thisUpdate.getTime() - now.getTime();
      if (ahead > 0) await sleep(Math.min(ahead, SECOND_MS));
      const entries = (await this.store.crlEntries(now)).map((r) => ({ serial: BigInt(r.serial), revokedAt: r.revokedAt, reasonCode: r.reasonCode }));
      const der = signCrl({ crlNumber, thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + this.validityMs), entries }, this.issuer);
      // Another replica may have saved number `crlNumber` first: then read theirs.
      if (await this.store.saveCrl(crlNumber, der, thisUpdate, state.revocationSeq)) {
        this.kept = new PublishedCrl(crlNumber, thisUpdate, der);
        return this.kept;
      }
    }
    // Other replicas kept winning the race to save the next number: the client may simply retry.
    throw new Unavailable('the CRL is being rebuilt, retry');
  }
}
