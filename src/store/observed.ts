import { Unavailable } from '../errors.js';
import type { AcmeAccountOutcome, AcmeAccountRecord, AcmeAuthorizationRecord, AcmeEabKeyRecord, AcmeOrderRecord, CrlStamp, CrlState, IssuedCertificate, PeerRootsRecord, Revocation, RevokedEntry, RevokeOutcome, Store, StoreCounts, StoreRows, UsedToken } from './store.js';

/** How a store call ended: done, a one-time token refused as a replay, the database unreachable, or another error. */
export type StoreOutcome = 'ok' | 'replay' | 'unavailable' | 'error';

/** Told about every store call: which, how long (seconds), how it ended. */
export type StoreObserver = (operation: string, seconds: number, outcome: StoreOutcome) => void;

/**
 * A store that reports each call to `observe` (for metrics) and otherwise is `inner`:
 * the backends stay free of instrumentation.
 */
export class ObservedStore implements Store {
  constructor(
    private readonly inner: Store,
    private readonly observe: StoreObserver,
  ) {}

  private async timed<T>(operation: string, call: () => Promise<T>, replay: (result: T) => boolean = () => false): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await call();
      this.observe(operation, seconds(), replay(result) ? 'replay' : 'ok');
      return result;
    } catch (err) {
      this.observe(operation, seconds(), err instanceof Unavailable ? 'unavailable' : 'error');
      throw err;
    }
  }

  storeCertificate(c: IssuedCertificate): Promise<void> {
    return this.timed('storeCertificate', () => this.inner.storeCertificate(c));
  }
  certificate(serial: string): Promise<IssuedCertificate | undefined> {
    return this.timed('certificate', () => this.inner.certificate(serial));
  }
  recordIssuance(token: UsedToken, c: IssuedCertificate): Promise<boolean> {
    return this.timed('recordIssuance', () => this.inner.recordIssuance(token, c), (fresh) => !fresh);
  }
  revoke(r: Revocation, token?: UsedToken): Promise<RevokeOutcome> {
    return this.timed('revoke', () => this.inner.revoke(r, token), (outcome) => outcome === 'token-used');
  }
  revocation(serial: string): Promise<Revocation | undefined> {
    return this.timed('revocation', () => this.inner.revocation(serial));
  }
  crlEntries(now: Date): Promise<RevokedEntry[]> {
    return this.timed('crlEntries', () => this.inner.crlEntries(now));
  }

  crlEntryCount(now: Date): Promise<number> {
    return this.timed('crlEntryCount', () => this.inner.crlEntryCount(now));
  }
  crlState(): Promise<CrlState> {
    return this.timed('crlState', () => this.inner.crlState());
  }
  crlStamp(): Promise<CrlStamp> {
    return this.timed('crlStamp', () => this.inner.crlStamp());
  }
  saveCrl(crlNumber: bigint, der: Buffer, thisUpdate: Date, builtFromSeq: bigint): Promise<boolean> {
    return this.timed('saveCrl', () => this.inner.saveCrl(crlNumber, der, thisUpdate, builtFromSeq));
  }
  successors(serial: string): Promise<IssuedCertificate[]> {
    return this.timed('successors', () => this.inner.successors(serial));
  }
  revokeAll(revocations: readonly Revocation[], token?: UsedToken): Promise<readonly string[] | 'token-used'> {
    return this.timed('revokeAll', () => this.inner.revokeAll(revocations, token), (outcome) => outcome === 'token-used');
  }
  peerRoots(): Promise<PeerRootsRecord[]> {
    return this.timed('peerRoots', () => this.inner.peerRoots());
  }
  savePeerRoots(record: PeerRootsRecord): Promise<void> {
    return this.timed('savePeerRoots', () => this.inner.savePeerRoots(record));
  }
  forgetPeerRoots(keepUrls: readonly string[]): Promise<void> {
    return this.timed('forgetPeerRoots', () => this.inner.forgetPeerRoots(keepUrls));
  }
  claimLease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.timed('claimLease', () => this.inner.claimLease(name, holder, now, until));
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.timed('releaseLease', () => this.inner.releaseLease(name, holder));
  }
  recordUsedTokens(tokens: readonly UsedToken[]): Promise<void> {
    return this.timed('recordUsedTokens', () => this.inner.recordUsedTokens(tokens));
  }
  pruneUsedTokens(now: Date): Promise<number> {
    return this.timed('pruneUsedTokens', () => this.inner.pruneUsedTokens(now));
  }
  addAcmeNonce(nonce: string, expiresAt: Date): Promise<void> {
    return this.timed('addAcmeNonce', () => this.inner.addAcmeNonce(nonce, expiresAt));
  }
  useAcmeNonce(nonce: string, now: Date): Promise<boolean> {
    return this.timed('useAcmeNonce', () => this.inner.useAcmeNonce(nonce, now), (fresh) => !fresh);
  }
  createAcmeAccount(account: AcmeAccountRecord): Promise<AcmeAccountOutcome> {
    return this.timed('createAcmeAccount', () => this.inner.createAcmeAccount(account));
  }
  acmeAccount(id: string): Promise<AcmeAccountRecord | undefined> {
    return this.timed('acmeAccount', () => this.inner.acmeAccount(id));
  }
  acmeAccountByKey(provisioner: string, thumbprint: string): Promise<AcmeAccountRecord | undefined> {
    return this.timed('acmeAccountByKey', () => this.inner.acmeAccountByKey(provisioner, thumbprint));
  }
  updateAcmeAccount(account: AcmeAccountRecord): Promise<boolean> {
    return this.timed('updateAcmeAccount', () => this.inner.updateAcmeAccount(account));
  }
  createAcmeOrder(order: AcmeOrderRecord, authorizations: readonly AcmeAuthorizationRecord[]): Promise<void> {
    return this.timed('createAcmeOrder', () => this.inner.createAcmeOrder(order, authorizations));
  }
  acmeOrder(id: string): Promise<AcmeOrderRecord | undefined> {
    return this.timed('acmeOrder', () => this.inner.acmeOrder(id));
  }
  acmeOrderIds(accountId: string): Promise<string[]> {
    return this.timed('acmeOrderIds', () => this.inner.acmeOrderIds(accountId));
  }
  updateAcmeOrder(order: AcmeOrderRecord): Promise<boolean> {
    return this.timed('updateAcmeOrder', () => this.inner.updateAcmeOrder(order));
  }
  finishAcmeOrder(order: AcmeOrderRecord, certificate: IssuedCertificate): Promise<boolean> {
    return this.timed('finishAcmeOrder', () => this.inner.finishAcmeOrder(order, certificate));
  }
  acmeAuthorization(id: string): Promise<AcmeAuthorizationRecord | undefined> {
    return this.timed('acmeAuthorization', () => this.inner.acmeAuthorization(id));
  }
  updateAcmeAuthorization(authorization: AcmeAuthorizationRecord): Promise<boolean> {
    return this.timed('updateAcmeAuthorization', () => this.inner.updateAcmeAuthorization(authorization));
  }
  addAcmeEabKey(key: AcmeEabKeyRecord): Promise<boolean> {
    return this.timed('addAcmeEabKey', () => this.inner.addAcmeEabKey(key));
  }
  acmeEabKey(keyId: string): Promise<AcmeEabKeyRecord | undefined> {
    return this.timed('acmeEabKey', () => this.inner.acmeEabKey(keyId));
  }
  acmeEabKeys(provisioner?: string): Promise<AcmeEabKeyRecord[]> {
    return this.timed('acmeEabKeys', () => this.inner.acmeEabKeys(provisioner));
  }
  removeAcmeEabKey(keyId: string): Promise<boolean> {
    return this.timed('removeAcmeEabKey', () => this.inner.removeAcmeEabKey(keyId));
  }
  pruneAcme(now: Date): Promise<number> {
    return this.timed('pruneAcme', () => this.inner.pruneAcme(now));
  }
  ping(): Promise<void> {
    return this.timed('ping', () => this.inner.ping());
  }
  counts(): Promise<StoreCounts> {
    return this.timed('counts', () => this.inner.counts());
  }
  exportRows<K extends keyof StoreRows>(kind: K, after: string, limit: number): Promise<StoreRows[K][]> {
    return this.timed('exportRows', () => this.inner.exportRows(kind, after, limit));
  }
  importRows(rows: { readonly [K in keyof StoreRows]?: readonly StoreRows[K][] }): Promise<void> {
    return this.timed('importRows', () => this.inner.importRows(rows));
  }
  importCrlState(state: CrlState): Promise<void> {
    return this.timed('importCrlState', () => this.inner.importCrlState(state));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
