import { Unauthorized } from '../errors.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { CRL_REASON_SUPERSEDED } from '../pki/crlReason.js';
import { newSerial, serialDecimal, type Issuer } from '../pki/issuer.js';
import { commonNameOf } from '../pki/name.js';
import { reissue as reissueCertificate } from '../pki/reissueCertificate.js';
import type { ProvisionerCollection } from '../provisioners/collection.js';
import { decodeJws, type DecodedJws } from '../provisioners/jws.js';
import type { AuthorizeContext } from '../provisioners/provisioner.js';
import { applySignOptions, publicKeyValidator } from '../provisioners/signOptions.js';
import type { Store } from '../store/store.js';
import type { SignResult } from './authority.js';
import { readCsr } from './csrInput.js';
import { verifyOwnCertificate, type PresentedCertificate } from './ownCertificate.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';

/** What renewal needs of the authority. */
export interface RenewalParts {
  readonly store: Store;
  readonly intermediate: Issuer;
  readonly provisioners: ProvisionerCollection;
  /** The context provisioners judge tokens in, at `now`. */
  readonly context: (now: Date) => AuthorizeContext;
}

/**
 * Renew (mTLS or renew token) and rekey (mTLS): the successor of a certificate of
 * this CA keeps its subject, SANs, extensions and duration (api.md). Whether it may
 * be renewed is the provisioner's to say (its authorizeRenew); revocation is checked here.
 */
export class Renewal {
  constructor(private readonly parts: RenewalParts) {}

  /**
   * Issues the successor of `cert` for `publicKey` if it is not revoked and its
   * provisioner allows it; stored (as replacing `cert`) before it is returned, with
   * the renew token burned in the same step; when the provisioner says so
   * (`revokeOnRenew`), `cert` is then revoked as superseded.
   */
  private async renewIfAllowed(cert: ParsedCertificate, publicKey: Buffer, now: Date, token?: DecodedJws): Promise<SignResult> {
    if (await this.parts.store.revocation(cert.serial.toString(10))) throw new Unauthorized('certificate has been revoked');
    const provisioner = this.parts.provisioners.forCertificate(cert);
    const grant = await provisioner.authorizeRenew({ certificate: cert, token }, this.parts.context(now));
    const serial = newSerial();
    const { der, notBefore, notAfter } = reissueCertificate(cert, publicKey, this.parts.intermediate, now, BACKDATE_MS, serial);
    const replaces = cert.serial.toString(10);
    const record = { serial: serialDecimal(serial), der, commonName: commonNameOf(cert.subject), notBefore, notAfter, provisioner: provisioner.name, replaces };
    if (grant.token) {
      if (!(await this.parts.store.recordIssuance(grant.token, record))) throw new Unauthorized('token already used');
    } else {
      await this.parts.store.storeCertificate(record);
    }
    if (grant.revokePredecessor) {
      // 'already-revoked' is a concurrent renewal of the same certificate that revoked it first.
      await this.parts.store.revoke({ serial: replaces, reasonCode: CRL_REASON_SUPERSEDED, reason: `superseded by ${record.serial}`, revokedAt: now, notAfter: cert.notAfter, provisioner: provisioner.name });
    }
    return { certificate: der, chain: [der, this.parts.intermediate.certificate.der] };
  }

  /** Renews the client certificate presented over mTLS (api.md POST /renew). */
  async renew(clientCertificate: PresentedCertificate | undefined, now = new Date()): Promise<SignResult> {
    if (!clientCertificate) throw new Unauthorized('renewal needs a client certificate (mTLS) or a renew token');
    const cert = verifyOwnCertificate(clientCertificate, this.parts.intermediate);
    return this.renewIfAllowed(cert, cert.publicKey, now);
  }

  /** Renews the certificate a renew token (Authorization: Bearer) carries in its x5c header and proves possession of. */
  async renewWithToken(token: string, now = new Date()): Promise<SignResult> {
    const jws = decodeJws(token);
    const leafB64 = jws.header.x5c?.[0];
    if (!leafB64) throw new Unauthorized('invalid renew token: no certificate (x5c) in its header');
    const cert = verifyOwnCertificate({ der: Buffer.from(leafB64, 'base64'), chainVerified: false }, this.parts.intermediate);
    return this.renewIfAllowed(cert, cert.publicKey, now, jws);
  }

  /** Re-issues the mTLS client certificate for the key of a new CSR (api.md POST /rekey). */
  async rekey(clientCertificate: PresentedCertificate | undefined, csrPem: string, now = new Date()): Promise<SignResult> {
    if (!clientCertificate) throw new Unauthorized('rekey needs a client certificate (mTLS)');
    const cert = verifyOwnCertificate(clientCertificate, this.parts.intermediate);
    const { csr, publicKey } = await readCsr(csrPem);
    applySignOptions([publicKeyValidator()], { csr, publicKey, now });
    return this.renewIfAllowed(cert, csr.publicKey, now);
  }
}
