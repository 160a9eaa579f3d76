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
}

/** A token id to burn, and when its token expires (after which it may be forgotten). */
export interface UsedToken {
  readonly id: string;
  readonly expiresAt: Date;
}

export interface Store {
  /** Records an issued certificate. */
  storeCertificate(certificate: IssuedCertificate): Promise<void>;
  /** The issued certificate with this decimal serial, if any. */
  certificate(serial: string): Promise<IssuedCertificate | undefined>;
  /**
   * Marks a token id used; resolves true on its first use and false on any later one.
   * Atomic (a unique constraint), so it holds across processes sharing the database.
   */
  useToken(id: string, expiresAt: Date): Promise<boolean>;
  /**
   * Burns a one-time token and records the certificate it paid for, in one
   * transaction: resolves false, recording nothing, when the token was used before.
   */
  recordIssuance(token: UsedToken, certificate: IssuedCertificate): Promise<boolean>;
  /** Forgets token ids whose token expired before `now`; resolves how many. */
  pruneUsedTokens(now: Date): Promise<number>;
  close(): Promise<void>;
}
