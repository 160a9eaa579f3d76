import { Unauthorized } from '../errors.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { readProvisionerExtension } from '../pki/extensions.js';
import { randomSerial, serialDecimal, type Issuer } from '../pki/issuer.js';
import { commonNameOf } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import { reissue as reissueCertificate } from '../pki/reissueCertificate.js';
import type { Claims } from '../provisioners/claims.js';
import type { Provisioner } from '../provisioners/provisioner.js';
import { applySignOptions, publicKeyValidator } from '../provisioners/signOptions.js';
import type { Store, UsedToken } from '../store/store.js';
import type { SignResult } from './authority.js';
import { readCsr } from './csrInput.js';
import { verifyOwnCertificate } from './ownCertificate.js';
import { verifyRenewToken } from './renewToken.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';


/** What renewal needs of the authority. */
export interface RenewalParts {
  readonly store: Store;
  readonly intermediate: Issuer;
  readonly provisioners: readonly Provisioner[];
  /** Claims for certificates that name no provisioner (imported ones, say). */
  readonly defaultClaims: Claims;
  readonly dnsNames: readonly string[];
}

/**
 * Renew (mTLS or renew token) and rekey (mTLS): the successor of a certificate of
 * this CA keeps its subject, SANs, extensions and duration (api.md), under the
 * rules of the provisioner that authorised it.
 */
export class Renewal {
  constructor(private readonly parts: RenewalParts) {}

  /** The claims that govern a certificate: its provisioner's, by the provisioner extension. */
  private provisionerOf(cert: ParsedCertificate): { name: string; claims: Claims } {
    const ext = cert.extensions.find((e) => e.id === OID.stepProvisioner);
    if (!ext) return { name: '', claims: this.parts.defaultClaims };
    let ref;
    try {
      ref = readProvisionerExtension(ext.value);
    } catch {
      throw new Unauthorized('certificate has a malformed provisioner extension');
    }
    const provisioner = this.parts.provisioners.find((p) => p.name === ref.name && (ref.credentialId === '' || p.kid === undefined || p.kid === ref.credentialId));
    if (!provisioner) throw new Unauthorized(`the provisioner "${ref.name}" of this certificate no longer exists`);
    return { name: provisioner.name, claims: provisioner.claims };
  }

  /** Renewal rules of api.md: not revoked, renewal not disabled, not expired (unless allowed); resolves the provisioner's name. */
  private async checkRenewable(cert: ParsedCertificate, now: Date): Promise<string> {
    if (await this.parts.store.revocation(cert.serial.toString(10))) throw new Unauthorized('certificate has been revoked');
    const { name, claims } = this.provisionerOf(cert);
    // step-ca answers each of these refusals 401 (authority.authorizeRenew, provisioner controller).
    if (claims.disableRenewal) throw new Unauthorized(`renew is disabled for provisioner '${name}'`);
    if (now > cert.notAfter && !claims.allowRenewalAfterExpiry) throw new Unauthorized('certificate expired');
    return name;
  }

  /** Issues the successor of `old` for `publicKey`, stored before it is returned (with `token` burned in the same step). */
  private async reissue(old: ParsedCertificate, publicKey: Buffer, provisioner: string, now: Date, token?: UsedToken): Promise<SignResult> {
    const serial = randomSerial();
    const { der, notBefore, notAfter } = reissueCertificate(old, publicKey, this.parts.intermediate, now, BACKDATE_MS, serial);
    const record = { serial: serialDecimal(serial), der, commonName: commonNameOf(old.subject), notBefore, notAfter, provisioner };
    if (token) {
      if (!(await this.parts.store.recordIssuance(token, record))) throw new Unauthorized('token already used');
    } else {
      await this.parts.store.storeCertificate(record);
    }
    return { certificate: der, chain: [der, this.parts.intermediate.certificate.der] };
  }

  /** Renews the client certificate presented over mTLS (api.md POST /renew). */
  async renew(clientCertificate: Buffer | undefined, now = new Date()): Promise<SignResult> {
    if (!clientCertificate) throw new Unauthorized('renewal needs a client certificate (mTLS) or a renew token');
    const cert = verifyOwnCertificate(clientCertificate, this.parts.intermediate);
    const provisioner = await this.checkRenewable(cert, now);
    return this.reissue(cert, cert.publicKey, provisioner, now);
  }

  /** Renews the certificate a renew token (Authorization: Bearer) carries and proves possession of. */
  async renewWithToken(token: string, now = new Date()): Promise<SignResult> {
    const grant = verifyRenewToken(token, this.parts.intermediate, this.parts.dnsNames, now);
    const provisioner = await this.checkRenewable(grant.certificate, now);
    return this.reissue(grant.certificate, grant.certificate.publicKey, provisioner, now, grant.token);
  }

  /** Re-issues the mTLS client certificate for the key of a new CSR (api.md POST /rekey). */
  async rekey(clientCertificate: Buffer | undefined, csrPem: string, now = new Date()): Promise<SignResult> {
    if (!clientCertificate) throw new Unauthorized('rekey needs a client certificate (mTLS)');
    const cert = verifyOwnCertificate(clientCertificate, this.parts.intermediate);
    const provisioner = await this.checkRenewable(cert, now);
    const { csr, publicKey } = readCsr(csrPem);
    applySignOptions([publicKeyValidator()], { csr, publicKey, now });
    return this.reissue(cert, csr.publicKey, provisioner, now);
  }
}
