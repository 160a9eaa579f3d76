import { BadRequest, Forbidden, NotFound, TooManyRequests, Unauthorized } from '../errors.js';
import { crlDistributionPoint, ocspAccess } from '../pki/extensions.js';
import { randomSerial, serialDecimal, type Issuer } from '../pki/issuer.js';
import { privateKeyPem } from '../pki/keys.js';
import { isCrlReason } from '../pki/crlReason.js';
import { OID } from '../pki/oids.js';
import { toPem } from '../pki/pem.js';
import { issueLeaf } from '../pki/issueCertificate.js';
import type { Claims } from '../provisioners/claims.js';
import { decodeJws, type DecodedJws } from '../provisioners/jws.js';
import type { Provisioner, ProvisionerInfo } from '../provisioners/provisioner.js';
import { applySignOptions, extensionModifier, type SignOption } from '../provisioners/signOptions.js';
import type { Store, UsedToken } from '../store/store.js';
import { CrlPublisher } from './crlPublisher.js';
import { readCsr } from './csrInput.js';
import { OcspResponder, type OcspAnswer } from './ocspResponder.js';
import { issueOwnLeaf } from './ownLeaf.js';

export type { OcspAnswer };
import { verifyOwnCertificate } from './ownCertificate.js';
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
  readonly clientCertificate?: Buffer;
}

/** What a sign request carries besides the CSR and token. */
export interface SignOptions {
  readonly notBefore?: string;
  readonly notAfter?: string;
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
  private readonly provisionerList: readonly Provisioner[];
  private readonly provisionersByKid: ReadonlyMap<string, Provisioner>;
  private readonly dnsNames: readonly string[];
  private readonly crlPublisher?: CrlPublisher;
  /** The CRL distribution point and OCSP access extensions every new certificate carries. */
  private locationExtensions: readonly SignOption[] = [];
  private readonly ocspResponder: OcspResponder;
  /** Rate limit by provisioner: resolves 0 to go ahead, else the milliseconds to wait. */
  private admitProvisioner?: (name: string) => Promise<number>;

  constructor(parts: AuthorityParts) {
    this.store = parts.store;
    this.intermediate = parts.intermediate;
    this.anchors = new TrustAnchors(parts.roots, parts.federatedRoots);
    this.renewal = new Renewal({ store: parts.store, intermediate: parts.intermediate, provisioners: parts.provisioners, defaultClaims: parts.defaultClaims, dnsNames: parts.dnsNames });
    this.dnsNames = parts.dnsNames;
    this.ocspResponder = new OcspResponder(parts.store, parts.intermediate);
    if (parts.crl.enabled) this.crlPublisher = new CrlPublisher(parts.store, parts.intermediate, parts.crl.validityMs);
    this.provisionerList = [...parts.provisioners].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.provisionersByKid = new Map(parts.provisioners.filter((p) => p.kid).map((p) => [p.kid as string, p]));
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
    const start = cursor ? this.provisionerList.findIndex((p) => p.id >= cursor) : 0;
    if (start < 0) return { provisioners: [], nextCursor: '' };
    const page = this.provisionerList.slice(start, start + limit);
    const next = this.provisionerList[start + limit];
    return { provisioners: page.map((p) => p.info()), nextCursor: next ? next.id : '' };
  }

  /** The encrypted private key of the provisioner with this key id; NotFound otherwise. */
  encryptedKey(kid: string): string {
    const key = this.provisionersByKid.get(kid)?.encryptedKey;
    if (!key) throw new NotFound(`provisioner with kid "${kid}" not found or has no encrypted key`);
    return key;
  }

  /** The provisioner a token names by its key id; Unauthorized when none does. */
  private provisionerFor(token: DecodedJws): Provisioner {
    const provisioner = token.header.kid === undefined ? undefined : this.provisionersByKid.get(token.header.kid);
    if (!provisioner) throw new Unauthorized('invalid token: no provisioner has its key id (kid)');
    return provisioner;
  }

  /**
   * Signs a CSR authorised by a one-time token (api.md POST /sign). The token is
   * burned only once everything else has passed, in the same transaction that
   * stores the certificate, before it is returned.
   */
  async sign(csrPem: string, ott: string, options: SignOptions = {}, now = new Date()): Promise<SignResult> {
    // The token first, as step-ca authorizes first: a stranger's request costs a
    // signature check, never a CSR parse and its key import and verification.
    const token = decodeJws(ott);
    const provisioner = this.provisionerFor(token);
    const authorization = provisioner.authorizeSign(token, { dnsNames: this.dnsNames, rootFingerprints: this.anchors.ownFingerprints, now });
    if (this.admitProvisioner) await this.admit(provisioner);
    const { csr, publicKey } = readCsr(csrPem);
    const signOptions = [...authorization.options, ...this.locationExtensions];
    const draft = applySignOptions(signOptions, { csr, publicKey, notBefore: options.notBefore, notAfter: options.notAfter, now });
    const serial = randomSerial();
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
    const record = { serial: serialDecimal(serial), der, commonName: draft.commonName, notBefore: draft.notBefore, notAfter: draft.notAfter, provisioner: provisioner.name };
    // Signing first costs one wasted signature on a replay, and buys a single transaction.
    if (!(await this.store.recordIssuance({ id: authorization.tokenId, expiresAt: authorization.tokenExpiresAt }, record))) {
      throw new Unauthorized('token already used');
    }
    return { certificate: der, chain: [der, this.intermediate.certificate.der] };
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

  /** Where issued certificates point for the CRL and OCSP, once the server knows its port (encoded once, not per sign). */
  setPublicUrl(baseUrl: string): void {
    const options: SignOption[] = [];
    if (this.crlPublisher) options.push(extensionModifier(crlDistributionPoint(`${baseUrl}/1.0/crl`)));
    options.push(extensionModifier(ocspAccess(`${baseUrl}/1.0/ocsp`)));
    this.locationExtensions = options;
  }

  /** Answers an OCSP request (DER) about certificates of this CA. */
  async ocsp(requestDer: Buffer, now = new Date()): Promise<OcspAnswer> {
    return this.ocspResponder.respond(requestDer, now);
  }

  /** Renews the client certificate presented over mTLS (api.md POST /renew). */
  renew(clientCertificate: Buffer | undefined, now = new Date()): Promise<SignResult> {
    return this.renewal.renew(clientCertificate, now);
  }

  /** Renews the certificate a renew token (Authorization: Bearer) carries and proves possession of. */
  renewWithToken(token: string, now = new Date()): Promise<SignResult> {
    return this.renewal.renewWithToken(token, now);
  }

  /** Re-issues the mTLS client certificate for the key of a new CSR (api.md POST /rekey). */
  rekey(clientCertificate: Buffer | undefined, csrPem: string, now = new Date()): Promise<SignResult> {
    return this.renewal.rekey(clientCertificate, csrPem, now);
  }

  /**
   * Revokes a certificate of this CA (passive: recorded, refused at renewal, listed
   * on the CRL). Authorised by a revoke token naming the serial, or by the
   * certificate itself over mTLS.
   */
  async revoke(request: RevokeRequest, now = new Date()): Promise<void> {
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
      const p = this.provisionerFor(jws);
      const grant = p.authorizeRevoke(jws, { dnsNames: this.dnsNames, rootFingerprints: this.anchors.ownFingerprints, now });
      if (grant.serial !== serial && grant.serial !== request.serial) throw new Unauthorized('revoke token subject (sub) is not the serial to revoke');
      if (this.admitProvisioner) await this.admit(p);
      token = { id: grant.tokenId, expiresAt: grant.tokenExpiresAt };
      provisioner = p.name;
    } else if (request.clientCertificate) {
      const cert = verifyOwnCertificate(request.clientCertificate, this.intermediate);
      if (cert.serial.toString(10) !== serial) throw new Forbidden('a certificate can only revoke itself');
    } else {
      throw new Unauthorized('revocation needs a revoke token (ott) or the certificate itself (mTLS)');
    }
    const issued = await this.store.certificate(serial);
    if (!issued) throw new NotFound(`no certificate with serial ${serial} was issued by this CA`);
    const outcome = await this.store.revoke({ serial, reasonCode: request.reasonCode, reason: request.reason, revokedAt: now, notAfter: issued.notAfter, provisioner }, token);
    if (outcome === 'already-revoked') throw new BadRequest(`certificate with serial ${serial} is already revoked`);
    if (outcome === 'token-used') throw new Unauthorized('token already used');
  }

  /** The CRL (DER); NotFound when the CA publishes none (crl.enabled false). */
  async crl(now = new Date()): Promise<Buffer> {
    if (!this.crlPublisher) throw new NotFound('this CA publishes no CRL (crl.enabled is false)');
    return this.crlPublisher.current(now);
  }

  /** Forgets used-token ids whose tokens have expired anyway; resolves how many. */
  async pruneUsedTokens(now = new Date()): Promise<number> {
    return this.store.pruneUsedTokens(now);
  }

  /** Issues the CA's own TLS server certificate for `dnsNames`, with a fresh key. */
  async issueServerCertificate(dnsNames: readonly string[], lifetimeMs: number, now = new Date()): Promise<KeyAndChain> {
    const { key, der, notBefore, notAfter } = await issueOwnLeaf(
      { commonName: dnsNames[0], names: dnsNames, extKeyUsages: [OID.serverAuth], lifetimeMs },
      this.intermediate,
      this.store,
      now,
    );
    return { keyPem: privateKeyPem(key), chainPem: toPem(der) + toPem(this.intermediate.certificate.der), notBefore, notAfter };
  }
}
