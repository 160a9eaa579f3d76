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
  /**
   * When the store recorded it. Rows `exportRows` gives carry it, so that `importRows`
   * (`fedca db migrate`) keeps issue times, which order a certificate's successors;
   * left out when issuing, the store stamps the time of the insert.
   */
  readonly issuedAt?: Date;
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

/** What a CRL lists of one revocation (Store.crlEntries): only the columns the CRL needs. */
export interface RevokedEntry {
  readonly serial: string;
  readonly revokedAt: Date;
  /** RFC 5280 CRLReason, 0-10 (7 unused). */
  readonly reasonCode: number;
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
  readonly acmeAccounts: number;
  readonly acmeOrders: number;
  readonly acmeAuthorizations: number;
  readonly acmeEabKeys: number;
}

/**
 * Rows of each kind a store holds, as one store copies them into another (`fedca db
 * migrate`). ACME nonces are not copied: they live minutes and clients retry badNonce.
 */
export interface StoreRows {
  readonly certificates: IssuedCertificate;
  readonly revocations: Revocation;
  readonly usedTokens: UsedToken;
  readonly acmeAccounts: AcmeAccountRecord;
  readonly acmeOrders: AcmeOrderRecord;
  readonly acmeAuthorizations: AcmeAuthorizationRecord;
  readonly acmeEabKeys: AcmeEabKeyRecord;
}

/** An RFC 7807 problem as ACME state records it (a failed challenge, an invalid order). */
export interface AcmeProblemRecord {
  /** `urn:ietf:params:acme:error:<type>`. */
  readonly type: string;
  readonly detail: string;
  readonly status: number;
}

/** An ACME account (RFC 8555 §7.1.2), found by its key's RFC 7638 thumbprint within its provisioner. */
export interface AcmeAccountRecord {
  readonly id: string;
  /** The ACME provisioner's name. */
  readonly provisioner: string;
  /** RFC 7638 SHA-256 thumbprint of `jwk`: unique per provisioner. */
  readonly thumbprint: string;
  /** The account's public JWK. */
  readonly jwk: Readonly<Record<string, string>>;
  readonly status: 'valid' | 'deactivated' | 'revoked';
  readonly contact: readonly string[];
  /** The external account binding key it was created with, if any. */
  readonly eabKeyId?: string;
  readonly createdAt: Date;
}

/** An ACME identifier (RFC 8555 §9.7.7; RFC 8738 for "ip"). */
export interface AcmeIdentifierRecord {
  readonly type: 'dns' | 'ip';
  readonly value: string;
}

/** One challenge of an authorization. */
export interface AcmeChallengeRecord {
  readonly id: string;
  readonly type: 'http-01' | 'dns-01' | 'tls-alpn-01';
  readonly token: string;
  readonly status: 'pending' | 'processing' | 'valid' | 'invalid';
  readonly validatedAt?: Date;
  readonly error?: AcmeProblemRecord;
  /** When the running validation attempt started (status processing). */
  readonly processingSince?: Date;
  /** Validation attempts started so far. */
  readonly attempts: number;
}

/**
 * An ACME authorization with its challenges (kept in one row, so that a challenge
 * and its authorization change together). `revision` counts writes: an update
 * applies only to the revision it was read at.
 */
export interface AcmeAuthorizationRecord {
  readonly id: string;
  readonly accountId: string;
  readonly orderId: string;
  readonly identifier: AcmeIdentifierRecord;
  readonly wildcard: boolean;
  readonly status: 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
  readonly expiresAt: Date;
  readonly challenges: readonly AcmeChallengeRecord[];
  readonly revision: number;
}

/** An ACME order; `certificateSerial` links it to the certificate it yielded. `revision` as for authorizations. */
export interface AcmeOrderRecord {
  readonly id: string;
  readonly accountId: string;
  readonly provisioner: string;
  readonly status: 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
  readonly identifiers: readonly AcmeIdentifierRecord[];
  readonly authorizationIds: readonly string[];
  /** As the client asked (RFC 3339), if it did. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly expiresAt: Date;
  readonly error?: AcmeProblemRecord;
  /** Decimal serial of the issued certificate (status valid). */
  readonly certificateSerial?: string;
  /** ARI (RFC 9773): decimal serial of the certificate this order replaces. */
  readonly replaces?: string;
  readonly createdAt: Date;
  readonly revision: number;
}

/** An external account binding key (RFC 8555 §7.3.4), bound to the one account created with it. */
export interface AcmeEabKeyRecord {
  readonly keyId: string;
  /** The ACME provisioner it is for. */
  readonly provisioner: string;
  readonly hmacKey: Buffer;
  /** A free-text label for the operator ("" when none). */
  readonly reference: string;
  readonly createdAt: Date;
  readonly accountId?: string;
  readonly boundAt?: Date;
}

/** Outcome of creating an ACME account. */
export type AcmeAccountOutcome = 'created' | 'key-exists' | 'eab-unusable';

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
  /**
   * What the next CRL lists: the revocations of certificates that have not expired by
   * `now`, oldest first (then by serial), with only the columns a CRL entry holds.
   */
  crlEntries(now: Date): Promise<RevokedEntry[]>;
  /** How many entries the next CRL lists (revocations not yet expired at `now`), counted by the database: what the metrics read at each scrape. */
  crlEntryCount(now: Date): Promise<number>;
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
  /** Records an ACME replay nonce, good until `expiresAt`. */
  addAcmeNonce(nonce: string, expiresAt: Date): Promise<void>;
  /**
   * Consumes a nonce: resolves true once, for a nonce recorded and not expired at
   * `now`. One atomic delete, so it holds across processes and replicas.
   */
  useAcmeNonce(nonce: string, now: Date): Promise<boolean>;
  /**
   * Creates an ACME account, binding `account.eabKeyId` to it when set, in one
   * transaction: 'key-exists' when its provisioner has an account with that key
   * thumbprint, 'eab-unusable' when the EAB key is unknown, of another provisioner or
   * already bound; nothing is written then.
   */
  createAcmeAccount(account: AcmeAccountRecord): Promise<AcmeAccountOutcome>;
  /** The ACME account with this id. */
  acmeAccount(id: string): Promise<AcmeAccountRecord | undefined>;
  /** The account of `provisioner` whose key has this thumbprint. */
  acmeAccountByKey(provisioner: string, thumbprint: string): Promise<AcmeAccountRecord | undefined>;
  /** Replaces an account's status, contact and key; false (nothing written) when another account of the provisioner has that key. */
  updateAcmeAccount(account: AcmeAccountRecord): Promise<boolean>;
  /** Creates an order and its authorizations in one transaction. */
  createAcmeOrder(order: AcmeOrderRecord, authorizations: readonly AcmeAuthorizationRecord[]): Promise<void>;
  /** The ACME order with this id. */
  acmeOrder(id: string): Promise<AcmeOrderRecord | undefined>;
  /** Ids of an account's orders, oldest first. */
  acmeOrderIds(accountId: string): Promise<string[]>;
  /** Writes an order read at `order.revision` (stored as revision + 1); false when it changed since. */
  updateAcmeOrder(order: AcmeOrderRecord): Promise<boolean>;
  /** updateAcmeOrder and storeCertificate in one transaction: nothing is written unless the order is still at its revision. */
  finishAcmeOrder(order: AcmeOrderRecord, certificate: IssuedCertificate): Promise<boolean>;
  /** The ACME authorization with this id. */
  acmeAuthorization(id: string): Promise<AcmeAuthorizationRecord | undefined>;
  /** Writes an authorization read at `authorization.revision` (stored as revision + 1); false when it changed since. */
  updateAcmeAuthorization(authorization: AcmeAuthorizationRecord): Promise<boolean>;
  /** Adds an external account binding key; false when its key id exists. */
  addAcmeEabKey(key: AcmeEabKeyRecord): Promise<boolean>;
  /** The EAB key with this key id. */
  acmeEabKey(keyId: string): Promise<AcmeEabKeyRecord | undefined>;
  /** Every EAB key (of `provisioner` when given), by key id. */
  acmeEabKeys(provisioner?: string): Promise<AcmeEabKeyRecord[]>;
  /** Removes an EAB key (an account bound to it stays); resolves whether it existed. */
  removeAcmeEabKey(keyId: string): Promise<boolean>;
  /** Forgets expired nonces, and orders and authorizations that expired before `now` without becoming valid; resolves how many rows. */
  pruneAcme(now: Date): Promise<number>;
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
