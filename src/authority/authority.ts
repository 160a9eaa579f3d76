import { BadRequest, Forbidden, NotFound, TooManyRequests, Unauthorized } from '../errors.js';
import { crlDistributionPoint, ocspAccess } from '../pki/extensions.js';
import { newSerial, serialDecimal, type Issuer } from '../pki/issuer.js';
import { privateKeyPem } from '../pki/keys.js';
import { isCrlReason } from '../pki/crlReason.js';
import { OID } from '../pki/oids.js';
import { toPem } from '../pki/pem.js';
import { issueLeaf } from '../pki/issueCertificate.js';
import type { Claims } from '../provisioners/claims.js';
import { decodeJws } from '../provisioners/jws.js';
import { ProvisionerCollection } from '../provisioners/collection.js';
import type { AuthorizeContext, Provisioner, ProvisionerInfo } from '../provisioners/provisioner.js';
import { applySignOptions, extensionModifier, type SignOption } from '../provisioners/signOptions.js';
import { descendants } from '../store/lineage.js';
import type { IssuedCertificate, Revocation, RevokeOutcome, Store, UsedToken } from '../store/store.js';
import { CrlChanges } from './crlChanges.js';
import { CrlPublisher } from './crlPublisher.js';
import type { PublishedCrl } from './publishedCrl.js';
import { readCsr, type VerifiedCsr } from './csrInput.js';
import { OcspResponder, type OcspAnswer } from './ocspResponder.js';
import { issueOwnLeaf } from './ownLeaf.js';

export type { OcspAnswer };
import { verifyOwnCertificate, type PresentedCertificate } from './ownCertificate.js';
import { Renewal } from './renewal.js';
import { TrustAnchors } from './trustAnchors.js';

/** What an authority is made of; `loadAuthority` builds it from a home. */
export interface AuthorityParts {
  readonly roots: readonly Buffer[];
  readonly federatedRoots: readonly Buffer[];
  readonly intermediate: Issuer;
  readonly provisioners: readonly Provisioner[];
  readonly store: Store;
  /** Names the CA answers on; token audiences must name one. */
  readonly dnsNames: readonly string[];
  /** Claims for certificates that name no provisioner (imported ones, say). */
  readonly defaultClaims: Claims;
  readonly crl: { readonly enabled: boolean; readonly validityMs: number };
}

/** A revocation request (api.md POST /revoke) and what authenticates it. */
export interface RevokeRequest {
  readonly serial: string;
  readonly reasonCode: number;
  readonly reason: string;
  /** A revoke token … */
  readonly ott?: string;
  /** … or the client certificate of the certificate being revoked (mTLS). */
  readonly clientCertificate?: PresentedCertificate;
  /** Also revoke every certificate descended from it by renewal or rekey (needs a revoke token). */
  readonly lineage?: boolean;
}

/** What a sign request carries besides the CSR and token. */
export interface SignOptions {
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** The certificate profile `templateData.profile` asks for (see AuthorizeContext.requestedProfile). */
  readonly profile?: string;
}

/** An issued certificate and the chain to send with it (leaf first). */
export interface SignResult {
  readonly certificate: Buffer;
  readonly chain: readonly Buffer[];
}

/** One page of provisioners and the cursor of the next page ("" when done). */
export interface ProvisionerPage {
  readonly provisioners: ProvisionerInfo[];
  readonly nextCursor: string;
}

/** The server's own certificate, and how to record it in the store. */
export interface ServerCertificate {
  readonly certificate: KeyAndChain;
  record(): Promise<void>;
}

/** A private key and the certificate chain (leaf first) issued for it, in PEM. */
export interface KeyAndChain {
  readonly keyPem: string;
  readonly chainPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}



/**
 * The certificate authority: knows nothing of HTTP. Publishes its roots,
 * intermediates, federation and provisioners; issues certificates.
 */
export class Authority {
  readonly store: Store;
  readonly intermediate: Issuer;
  private readonly anchors: TrustAnchors;
  private readonly renewal: Renewal;
  private readonly provisionerCollection: ProvisionerCollection;
  private readonly dnsNames: readonly string[];
  private readonly crlPublisher?: CrlPublisher;
  /** The CRL distribution point and OCSP access extensions every new certificate carries. */
  private locationExtensions: readonly SignOption[] = [];
  private readonly ocspResponder: OcspResponder;
  /** Rate limit by provisioner: resolves 0 to go ahead, else the milliseconds to wait. */
  private admitProvisioner?: (name: string) => Promise<number>;
  /** Watchers of the CRL (GET /crl/changes); the server closes it when it stops. */
  readonly crlChanges: CrlChanges;

  constructor(parts: AuthorityParts) {
    this.store = parts.store;
    this.intermediate = parts.intermediate;
    this.anchors = new TrustAnchors(parts.roots, parts.federatedRoots);
    this.provisionerCollection = new ProvisionerCollection(parts.provisioners, parts.defaultClaims);
    this.renewal = new Renewal({ store: parts.store, intermediate: parts.intermediate, provisioners: this.provisionerCollection, context: (now) => this.context(now) });
    this.dnsNames = parts.dnsNames;
    this.ocspResponder = new OcspResponder(parts.store, parts.intermediate);
    this.crlChanges = new CrlChanges(parts.store);
    if (parts.crl.enabled) this.crlPublisher = new CrlPublisher(parts.store, parts.intermediate, parts.crl.validityMs);
  }

  /** The CA's own roots (DER). */
  roots(): readonly Buffer[] {
    return this.anchors.own;
  }

  /** Own roots first, then every federated root (files, then peers' roots), without duplicates. */
  federation(): Buffer[] {
    return this.anchors.federation();
  }

  /** Replaces the federated roots of `federatedRoots` files (on start and on reload). */
  setFederatedRoots(ders: readonly Buffer[]): void {
    this.anchors.setFederated(ders);
  }

  /** Replaces the roots synced from peer CAs (config `federation.peers`); files' roots are kept. */
  setPeerRoots(ders: readonly Buffer[]): void {
    this.anchors.setPeers(ders);
  }

  /** The issuing intermediates (DER). */
  intermediates(): Buffer[] {
    return [this.intermediate.certificate.der];
  }

  /** A root or federated root by the SHA-256 of its DER; NotFound otherwise. */
  rootByFingerprint(sha: string): Buffer {
    return this.anchors.byHash(sha);
  }

  /** A page of provisioners ordered by id, starting at `cursor` (an id; "" = start). */
  provisioners(cursor: string, limit: number): ProvisionerPage {
    const list = this.provisionerCollection.list;
    const start = cursor ? list.findIndex((p) => p.id >= cursor) : 0;
    if (start < 0) return { provisioners: [], nextCursor: '' };
    const page = list.slice(start, start + limit);
    const next = list[start + limit];
    return { provisioners: page.map((p) => p.info()), nextCursor: next ? next.id : '' };
  }

  /** The encrypted private key of the provisioner with this key id; NotFound otherwise. */
  encryptedKey(kid: string): string {
    const key = this.provisionerCollection.withKid(kid)?.encryptedKey;
    if (!key) throw new NotFound(`provisioner with kid "${kid}" not found or has no encrypted key`);
    return key;
  }

  /** What provisioners judge a token against at `now`. */
  private context(now: Date): AuthorizeContext {
    return { dnsNames: this.dnsNames, rootFingerprints: this.anchors.ownFingerprints, now, isRevoked: this.isRevoked };
  }

  /** Whether a certificate of this CA is revoked (one of another CA: false), for provisioners that accept certificates as credentials. */
  private readonly isRevoked = async (der: Buffer): Promise<boolean> => {
    let serial: string;
    try {
      serial = verifyOwnCertificate({ der, chainVerified: false }, this.intermediate).serial.toString(10);
    } catch {
      return false;
    }
    return (await this.store.revocation(serial)) !== undefined;
  };

  /**
   * Signs a CSR authorised by a one-time token (api.md POST /sign). The token is
   * burned only once everything else has passed, in the same transaction that
   * stores the certificate, before it is returned.
   */
  async sign(csrPem: string, ott: string, options: SignOptions = {}, now = new Date()): Promise<SignResult> {
    // The token first, as step-ca authorizes first: a stranger's request costs a
    // signature check, never a CSR parse and its key import and verification.
    const token = decodeJws(ott);
    const provisioner = this.provisionerCollection.forToken(token);
    const authorization = await provisioner.authorizeSign(token, { ...this.context(now), requestedProfile: options.profile });
    if (this.admitProvisioner) await this.admit(provisioner);
    const issued = this.issueWithOptions(await readCsr(csrPem), authorization.options, options, provisioner.name, now);
    const record = authorization.groups ? { ...issued.record, groups: authorization.groups } : issued.record;
    // Signing first costs one wasted signature on a replay, and buys a single transaction.
    if (!(await this.store.recordIssuance({ id: authorization.tokenId, expiresAt: authorization.tokenExpiresAt }, record))) {
      throw new Unauthorized('token already used');
    }
    return { certificate: record.der, chain: issued.chain };
  }

  /** The provisioner with this name, if any. */
  provisionerNamed(name: string): Provisioner | undefined {
    return this.provisionerCollection.list.find((p) => p.name === name);
  }

  /**
   * Issues a leaf for a verified CSR under a provisioner's sign options (and the CRL
   * and OCSP locations every certificate carries) without storing it: for ACME, whose
   * order records the certificate in the same transaction (Store.finishAcmeOrder).
   * Throws what the options throw (BadRequest, Forbidden).
   */
  issueWithOptions(verified: VerifiedCsr, options: readonly SignOption[], times: { readonly notBefore?: string; readonly notAfter?: string }, provisioner: string, now = new Date()): { record: IssuedCertificate; chain: Buffer[] } {
    const { csr, publicKey } = verified;
    const draft = applySignOptions([...options, ...this.locationExtensions], { csr, publicKey, notBefore: times.notBefore, notAfter: times.notAfter, now });
    const serial = newSerial();
    const der = issueLeaf(
      {
        commonName: draft.commonName,
        sans: draft.sans,
        publicKey: csr.publicKey,
        notBefore: draft.notBefore,
        notAfter: draft.notAfter,
        extraExtensions: draft.extraExtensions,
        keyUsages: draft.keyUsages,
        extKeyUsages: draft.extKeyUsages,
        rsaKey: publicKey.kty === 'RSA',
      },
      this.intermediate,
      serial,
    );
    const record = { serial: serialDecimal(serial), der, commonName: draft.commonName, notBefore: draft.notBefore, notAfter: draft.notAfter, provisioner };
    return { record, chain: [der, this.intermediate.certificate.der] };
  }

  /**
   * Records a revocation its caller authorised (ACME's revokeCert: the account or the
   * certificate's key), counted towards the CRL and told to CRL watchers. Resolves
   * 'already-revoked' without writing when it was.
   */
  async revokeAuthorized(certificate: IssuedCertificate, reasonCode: number, reason: string, provisioner: string, now = new Date()): Promise<RevokeOutcome> {
    const outcome = await this.store.revoke({ serial: certificate.serial, reasonCode, reason, revokedAt: now, notAfter: certificate.notAfter, provisioner });
    if (outcome === 'revoked') this.crlChanges.notify();
    return outcome;
  }

  /** Limits signs and token revocations per provisioner (`rateLimit.perProvisioner`). */
  setProvisionerLimit(admit: (name: string) => Promise<number>): void {
    this.admitProvisioner = admit;
  }

  /** TooManyRequests when the provisioner is over its rate limit; counted only once its token is valid, before the token is burned. */
  private async admit(provisioner: Provisioner): Promise<void> {
    const waitMs = this.admitProvisioner ? await this.admitProvisioner(provisioner.name) : 0;
    if (waitMs > 0) throw new TooManyRequests(`for provisioner "${provisioner.name}"`, waitMs);
  }

  /**
   * Where issued certificates point for the CRL and OCSP, once the server knows its
   * port (encoded once, not per sign): `baseUrl` (https), or `insecureUrl` (the
   * plain-HTTP listener, `insecureAddress`) when there is one, which also gets an
   * AIA caIssuers URL for the intermediate.
   */
  setPublicUrl(baseUrl: string, insecureUrl?: string): void {
    const options: SignOption[] = [];
    const base = insecureUrl ?? baseUrl;
    if (this.crlPublisher) options.push(extensionModifier(crlDistributionPoint(`${base}/1.0/crl`)));
    options.push(extensionModifier(ocspAccess(`${base}/1.0/ocsp`, insecureUrl && `${insecureUrl}/1.0/intermediates.pem`)));
    this.locationExtensions = options;
  }

  /** Answers an OCSP request (DER) about certificates of this CA. */
  async ocsp(requestDer: Buffer, now = new Date()): Promise<OcspAnswer> {
    return this.ocspResponder.respond(requestDer, now);
  }

  /** Renews the client certificate presented over mTLS (api.md POST /renew). */
  renew(clientCertificate: PresentedCertificate | undefined, now = new Date()): Promise<SignResult> {
    return this.renewal.renew(clientCertificate, now);
  }

  /** Renews the certificate a renew token (Authorization: Bearer) carries and proves possession of. */
  renewWithToken(token: string, now = new Date()): Promise<SignResult> {
    return this.renewal.renewWithToken(token, now);
  }

  /** Re-issues the mTLS client certificate for the key of a new CSR (api.md POST /rekey). */
  rekey(clientCertificate: PresentedCertificate | undefined, csrPem: string, now = new Date()): Promise<SignResult> {
    return this.renewal.rekey(clientCertificate, csrPem, now);
  }

  /**
   * Revokes a certificate of this CA (passive: recorded, refused at renewal, listed
   * on the CRL). Authorised by a revoke token naming the serial, or by the
   * certificate itself over mTLS. With `lineage` (a revoke token only), every
   * certificate descended from it is revoked too, in one transaction. Resolves the
   * serials it revoked.
   */
  async revoke(request: RevokeRequest, now = new Date()): Promise<readonly string[]> {
    // A serial has at most 20 octets (49 digits): a longer one is refused before BigInt reads it (quadratic in its length).
    if (!/^\d{1,64}$/.test(request.serial)) throw new BadRequest('serial must be a decimal number of at most 64 digits');
    const serial = BigInt(request.serial).toString(10);
    if (!isCrlReason(request.reasonCode)) {
      throw new BadRequest('reasonCode must be an RFC 5280 CRLReason: 0-6 or 8-10');
    }
    let token: UsedToken | undefined;
    let provisioner = '';
    if (request.ott) {
      const jws = decodeJws(request.ott);
      const p = this.provisionerCollection.forToken(jws);
      const grant = await p.authorizeRevoke(jws, this.context(now));
      if (grant.serial !== undefined && grant.serial !== serial && grant.serial !== request.serial) throw new Unauthorized('revoke token subject (sub) is not the serial to revoke');
      if (this.admitProvisioner) await this.admit(p);
      token = { id: grant.tokenId, expiresAt: grant.tokenExpiresAt };
      provisioner = p.name;
    } else if (request.clientCertificate) {
      // An old key could otherwise revoke the certificates that replaced it after a compromise.
      if (request.lineage) throw new Forbidden('revoking a lineage needs a revoke token, not a client certificate');
      const cert = verifyOwnCertificate(request.clientCertificate, this.intermediate);
      if (cert.serial.toString(10) !== serial) throw new Forbidden('a certificate can only revoke itself');
    } else {
      throw new Unauthorized('revocation needs a revoke token (ott) or the certificate itself (mTLS)');
    }
    const issued = await this.store.certificate(serial);
    if (!issued) throw new NotFound(`no certificate with serial ${serial} was issued by this CA`);
    const revocation = (c: IssuedCertificate): Revocation => ({ serial: c.serial, reasonCode: request.reasonCode, reason: request.reason, revokedAt: now, notAfter: c.notAfter, provisioner });
    if (request.lineage) {
      const line = [issued, ...(await descendants(this.store, serial))];
      const revoked = await this.store.revokeAll(line.map(revocation), token);
      if (revoked === 'token-used') throw new Unauthorized('token already used');
      if (revoked.length === 0) throw new BadRequest(`certificate with serial ${serial} and every certificate descended from it are already revoked`);
      this.crlChanges.notify();
      return revoked;
    }
    const outcome = await this.store.revoke(revocation(issued), token);
    if (outcome === 'already-revoked') throw new BadRequest(`certificate with serial ${serial} is already revoked`);
    if (outcome === 'token-used') throw new Unauthorized('token already used');
    this.crlChanges.notify();
    return [serial];
  }

  /** The CRL (DER and PEM, its number and thisUpdate); NotFound when the CA publishes none (crl.enabled false). */
  async crl(now = new Date()): Promise<PublishedCrl> {
    if (!this.crlPublisher) throw new NotFound('this CA publishes no CRL (crl.enabled is false)');
    return this.crlPublisher.current(now);
  }

  /**
   * Waits (at most `waitMs`) for the CRL's revocations to differ from revision
   * `since`; resolves the revision then (or the current one; undefined `since`
   * answers at once). NotFound when the CA publishes no CRL.
   */
  async crlRevision(since: bigint | undefined, waitMs: number, cancelled: (stop: () => void) => void): Promise<bigint> {
    if (!this.crlPublisher) throw new NotFound('this CA publishes no CRL (crl.enabled is false)');
    return since === undefined ? this.crlChanges.revision() : this.crlChanges.next(since, waitMs, cancelled);
  }

  /** Forgets used-token ids whose tokens have expired anyway; resolves how many. */
  async pruneUsedTokens(now = new Date()): Promise<number> {
    return this.store.pruneUsedTokens(now);
  }

  /**
   * Issues the CA's own TLS server certificate for `dnsNames`, with a fresh key.
   * `record` stores it: the server may serve it before the store is reachable and
   * record it once it is.
   */
  issueServerCertificate(dnsNames: readonly string[], lifetimeMs: number, now = new Date()): ServerCertificate {
    const { key, der, notBefore, notAfter, record } = issueOwnLeaf({ commonName: dnsNames[0], names: dnsNames, extKeyUsages: [OID.serverAuth], lifetimeMs }, this.intermediate, now);
    return {
      certificate: { keyPem: privateKeyPem(key), chainPem: toPem(der) + toPem(this.intermediate.certificate.der), notBefore, notAfter },
      record: () => this.store.storeCertificate(record),
    };
  }

  /** Resolves when the store answers; rejects with Unavailable (503) while it cannot be reached. */
  checkStore(): Promise<void> {
    return this.store.ping();
  }
}
