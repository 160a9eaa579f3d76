import { X509Certificate } from 'node:crypto';
import { classifySans } from '../pki/extensions.js';
import { fingerprint, randomSerial, serialDecimal, type Issuer } from '../pki/issuer.js';
import { generateKey, privateKeyPem, spkiDer } from '../pki/keys.js';
import { toPem } from '../pki/pem.js';
import { issueLeaf } from '../pki/profiles.js';
import { OID } from '../pki/oids.js';
import type { Provisioner, ProvisionerInfo } from '../provisioners/provisioner.js';
import type { Store } from '../store/store.js';
import { BadRequest, NotFound, Unauthorized } from '../errors.js';
import { CsrError, parseCsrPem, verifyCsr, type ParsedCsr, type PublicKeyInfo } from '../pki/csr.js';
import { decodeJws, type DecodedJws } from '../provisioners/jws.js';
import { applySignOptions } from '../provisioners/signOptions.js';

/** What an authority is made of; `loadAuthority` builds it from a home. */
export interface AuthorityParts {
  readonly roots: readonly Buffer[];
  readonly federatedRoots: readonly Buffer[];
  readonly intermediate: Issuer;
  readonly provisioners: readonly Provisioner[];
  readonly store: Store;
  /** Names the CA answers on; token audiences must name one. */
  readonly dnsNames: readonly string[];
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

const SERVER_BACKDATE_MS = 60 * 1000;

/** Normalises a fingerprint as api.md allows it: hex, any case, `-` and `:` ignored. */
export const normaliseFingerprint = (text: string): string => text.replace(/[-:]/g, '').toLowerCase();

/**
 * The certificate authority: knows nothing of HTTP. Publishes its roots,
 * intermediates, federation and provisioners; issues certificates.
 */
export class Authority {
  readonly store: Store;
  readonly intermediate: Issuer;
  private rootDers: readonly Buffer[];
  private federatedDers: readonly Buffer[];
  private byFingerprint = new Map<string, Buffer>();
  private readonly provisionerList: readonly Provisioner[];
  private readonly provisionersByKid: ReadonlyMap<string, Provisioner>;
  private readonly dnsNames: readonly string[];
  private rootFingerprints: ReadonlySet<string>;

  constructor(parts: AuthorityParts) {
    this.store = parts.store;
    this.intermediate = parts.intermediate;
    this.rootDers = parts.roots;
    this.rootFingerprints = new Set(parts.roots.map(fingerprint));
    this.dnsNames = parts.dnsNames;
    this.federatedDers = [];
    this.setFederatedRoots(parts.federatedRoots);
    this.provisionerList = [...parts.provisioners].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.provisionersByKid = new Map(parts.provisioners.filter((p) => p.kid).map((p) => [p.kid as string, p]));
  }

  /** The CA's own roots (DER). */
  roots(): readonly Buffer[] {
    return this.rootDers;
  }

  /** Own roots first, then every federated root, without duplicates. */
  federation(): Buffer[] {
    const seen = new Set<string>();
    const out: Buffer[] = [];
    for (const der of [...this.rootDers, ...this.federatedDers]) {
      const fp = fingerprint(der);
      if (seen.has(fp)) continue;
      seen.add(fp);
      out.push(der);
    }
    return out;
  }

  /** Replaces the federated roots (on start and on reload). */
  setFederatedRoots(ders: readonly Buffer[]): void {
    this.federatedDers = ders;
    this.byFingerprint = new Map(this.federation().map((der) => [fingerprint(der), der]));
  }

  /** The issuing intermediates (DER). */
  intermediates(): Buffer[] {
    return [this.intermediate.certificate.der];
  }

  /** A root or federated root by the SHA-256 of its DER; NotFound otherwise. */
  rootByFingerprint(sha: string): Buffer {
    const der = this.byFingerprint.get(normaliseFingerprint(sha));
    if (!der) throw new NotFound('root not found');
    return der;
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
    let csr: ParsedCsr;
    let publicKey: PublicKeyInfo;
    try {
      csr = parseCsrPem(csrPem);
      publicKey = verifyCsr(csr);
    } catch (err) {
      if (err instanceof CsrError) throw new BadRequest(err.message);
      throw err;
    }
    const token = decodeJws(ott);
    const provisioner = this.provisionerFor(token);
    const authorization = provisioner.authorizeSign(token, { dnsNames: this.dnsNames, rootFingerprints: this.rootFingerprints, now });
    const draft = applySignOptions(authorization.options, { csr, publicKey, notBefore: options.notBefore, notAfter: options.notAfter, now });
    const serial = randomSerial();
    const der = issueLeaf(
      {
        commonName: draft.commonName,
        sans: draft.sans,
        publicKey: csr.publicKey,
        notBefore: draft.notBefore,
        notAfter: draft.notAfter,
        extraExtensions: draft.extraExtensions,
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

  /** Forgets used-token ids whose tokens have expired anyway; resolves how many. */
  async pruneUsedTokens(now = new Date()): Promise<number> {
    return this.store.pruneUsedTokens(now);
  }

  /** Issues the CA's own TLS server certificate for `dnsNames`, with a fresh key. */
  async issueServerCertificate(dnsNames: readonly string[], lifetimeMs: number, now = new Date()): Promise<KeyAndChain> {
    const key = generateKey({ kty: 'EC' });
    const serial = randomSerial();
    const notBefore = new Date(now.getTime() - SERVER_BACKDATE_MS);
    const notAfter = new Date(Math.min(now.getTime() + lifetimeMs, this.intermediate.certificate.notAfter.getTime()));
    const der = issueLeaf(
      { commonName: dnsNames[0], sans: classifySans(dnsNames), publicKey: spkiDer(key), notBefore, notAfter, extKeyUsages: [OID.serverAuth] },
      this.intermediate,
      serial,
    );
    await this.store.storeCertificate({
      serial: serialDecimal(serial),
      der,
      commonName: dnsNames[0],
      notBefore,
      notAfter,
      provisioner: '',
    });
    return { keyPem: privateKeyPem(key), chainPem: toPem(der) + toPem(this.intermediate.certificate.der), notBefore, notAfter };
  }

  /** Human-readable subject of a certificate, for logs and messages. */
  static subjectOf(der: Buffer): string {
    return new X509Certificate(der).subject.replace(/\n/g, ', ');
  }
}
