/**
 * The CA's persistent state. Every write the CA makes goes through this interface.
 * It is asynchronous even where a backend is not (better-sqlite3), so that the
 * PostgreSQL backend fits behind it without the authority changing.
 */

/** A certificate the CA issued, recorded before the response is sent. */
export interface IssuedCertificate {
  /** Serial number in decimal, as step's revoke requests name it. */
  readonly serial: string;
  readonly der: Buffer;
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Name of the provisioner that authorised it ("" for the CA's own certificates). */
  readonly provisioner: string;
  /**
   * For a renewal or rekey: the decimal serial of the certificate it replaced (its
   * predecessor in the certificate's lineage); absent for a first issuance.
   */
  readonly replaces?: string;

  /**
   * The identity provider's groups of the person it was issued to (OIDC), recorded so
   * an auditor can see why it was allowed; absent for other provisioners. A backend
   * stores the list as it came (SQLite: a JSON text column, NULL when absent).
   */
  readonly groups?: readonly string[];
}

/** A token id to burn, and when its token expires (after which it may be forgotten). */
export interface UsedToken {
  readonly id: string;
  readonly expiresAt: Date;
}

/** A revocation as the CA records it (api.md: passive revocation). */
export interface Revocation {
  readonly serial: string;
  /** RFC 5280 CRLReason, 0-10 (7 unused). */
  readonly reasonCode: number;
  readonly reason: string;
  readonly revokedAt: Date;
  /** The certificate's notAfter: past it, the entry may leave the CRL. */
  readonly notAfter: Date;
  readonly provisioner: string;
}

/** What the CRL state says without the CRL itself: which CRL is stored, and whether it is out of date. */
export interface CrlStamp {
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  /** Counts revocations; the stored CRL is stale when it was built from an older count. */
  readonly revocationSeq: bigint;
  readonly builtFromSeq: bigint;
}

/** The CRL every replica serves: the last one built, and whether it is out of date. */
export interface CrlState extends CrlStamp {
  readonly der?: Buffer;
}

/**
 * What the CA holds of one federation peer, shared by every process and replica:
 * the roots last fetched (kept while the peer fails) and how its syncs are going.
 */
export interface PeerRootsRecord {
  readonly url: string;
  /** The pin in force when the roots were fetched; a new pin discards them. */
  readonly fingerprint: string;
  /** DER; empty until a first sync succeeds. */
  readonly roots: readonly Buffer[];
  /** When `roots` were fetched (the epoch when there are none). */
  readonly fetchedAt: Date;
  /** Failed syncs since the last good one (the backoff), 0 when the last sync worked. */
  readonly failures: number;
  /** Why the last sync failed, '' when it worked. */
  readonly error: string;
  /** When the peer is next due for a sync. */
  readonly nextSyncAt: Date;
}

/** How many rows the store holds of each kind (for checks, copies and tests). */
export interface StoreCounts {
  readonly certificates: number;
  readonly revocations: number;
  readonly usedTokens: number;
}

/** Rows of each kind a store holds, as one store copies them into another (`fedca db migrate`). */
export interface StoreRows {
  readonly certificates: IssuedCertificate;
  readonly revocations: Revocation;
  readonly usedTokens: UsedToken;
}

/** Outcome of a revocation attempt. */
export type RevokeOutcome = 'revoked' | 'already-revoked' | 'token-used';

/**
 * A backend: SQLite (sqlite.ts) or PostgreSQL (postgres.ts), chosen by config in
 * open.ts. A backend that cannot reach its database rejects with `Unavailable`.
 */
export interface Store {
  /** Records an issued certificate. */
  storeCertificate(certificate: IssuedCertificate): Promise<void>;
  /** The issued certificate with this decimal serial, if any. */
  certificate(serial: string): Promise<IssuedCertificate | undefined>;
  /**
   * Burns a one-time token and records the certificate it paid for, in one
   * transaction: resolves false, recording nothing, when the token was used before.
   * Atomic (a unique constraint), so it holds across processes sharing the database.
   */
  recordIssuance(token: UsedToken, certificate: IssuedCertificate): Promise<boolean>;
  /**
   * Records a revocation (and burns `token` when one authorised it) in one
   * transaction, and counts it so that the stored CRL goes stale. Nothing is written unless it resolves 'revoked'.
   */
  revoke(revocation: Revocation, token?: UsedToken): Promise<RevokeOutcome>;
  /**
   * Revokes several certificates in one transaction (a lineage): burns `token`
   * when given (resolving 'token-used', writing nothing, if it was used before),
   * records each revocation whose serial is not revoked yet, and counts them so
   * that the stored CRL goes stale. Resolves the serials it newly revoked.
   */
  revokeAll(revocations: readonly Revocation[], token?: UsedToken): Promise<readonly string[] | 'token-used'>;
  /** The certificates recorded as replacing the one with this decimal serial (its renewals and rekeys), oldest first. */
  successors(serial: string): Promise<IssuedCertificate[]>;
  /** The revocation of a serial, if it is revoked. */
  revocation(serial: string): Promise<Revocation | undefined>;
  /** Revocations of certificates that have not expired by `now`, oldest first. */
  revocations(now: Date): Promise<Revocation[]>;
  /** The stored CRL and its number. */
  crlState(): Promise<CrlState>;
  /**
   * The CRL state without the CRL's DER (megabytes for a large CRL): one small read,
   * for a process that keeps the CRL in memory or counts revocations to ask
   * whether anything changed.
   */
  crlStamp(): Promise<CrlStamp>;
  /**
   * Saves a CRL built as number `crlNumber` from the revocations up to `builtFromSeq`,
   * only if the stored number is still `crlNumber - 1` (another replica may have
   * won); resolves whether it was saved.
   */
  saveCrl(crlNumber: bigint, der: Buffer, thisUpdate: Date, builtFromSeq: bigint): Promise<boolean>;
  /**
   * Burns token ids that were spent elsewhere (by a CA fedca adopts), so that they
   * are refused here too; ids already burnt are left as they are.
   */
  recordUsedTokens(tokens: readonly UsedToken[]): Promise<void>;
  /** Every federation peer's record (any order). */
  peerRoots(): Promise<PeerRootsRecord[]>;
  /** Inserts or replaces the record of the peer `record.url`. */
  savePeerRoots(record: PeerRootsRecord): Promise<void>;
  /** Forgets the records of peers not in `urls` (removed from the configuration). */
  forgetPeerRoots(keepUrls: readonly string[]): Promise<void>;
  /**
   * Takes the lease `name` for `holder` until `until` if nobody holds it at `now`
   * (never taken, released, or expired): resolves whether `holder` has it now.
   * Atomic across processes and replicas sharing the store, so one of them does
   * the work the lease names (one federation peer's sync) while the others wait.
   */
  claimLease(name: string, holder: string, now: Date, until: Date): Promise<boolean>;
  /** Ends a lease `holder` holds (a no-op when someone else holds it by now). */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Forgets token ids whose token expired before `now`; resolves how many. */
  pruneUsedTokens(now: Date): Promise<number>;
  /** Resolves once the store answers; rejects with `Unavailable` (errors.ts) while it cannot be reached. */
  ping(): Promise<void>;
  /** How many certificates, revocations and used token ids the store holds. */
  counts(): Promise<StoreCounts>;
  /** Up to `limit` rows of a kind whose key (serial, token id) sorts after `after` ("" = from the start), in key order. */
  exportRows<K extends keyof StoreRows>(kind: K, after: string, limit: number): Promise<StoreRows[K][]>;
  /**
   * Writes copied rows as they are, in one transaction (counting nothing towards the
   * CRL): for filling an empty store from another, never for serving.
   */
  importRows(rows: { readonly [K in keyof StoreRows]?: readonly StoreRows[K][] }): Promise<void>;
  /** Overwrites the CRL state with a copied one (after importRows, so that the same CRL is served). */
  importCrlState(state: CrlState): Promise<void>;
  close(): Promise<void>;
}
