import { Unauthorized } from '../errors.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { readProvisionerExtension } from '../pki/extensions.js';
import { OID } from '../pki/oids.js';
import type { Claims } from './claims.js';
import type { DecodedJws } from './jws.js';
import type { Provisioner, RenewAuthorizer } from './provisioner.js';
import { claimsRenewAuthorizer } from './renewalRules.js';
import { audiencesOf } from './tokenClaims.js';

/**
 * The CA's provisioners and the one way to find the provisioner of a token (sign,
 * revoke) or of a certificate (renew, rekey), as step-ca's Collection does.
 */
export class ProvisionerCollection {
  /** Ordered by id, for paging. */
  readonly list: readonly Provisioner[];
  private readonly byTokenKey: ReadonlyMap<string, Provisioner>;
  private readonly byKid: ReadonlyMap<string, Provisioner>;
  private readonly byIssuer: ReadonlyMap<string, Provisioner>;
  private readonly unnamed: RenewAuthorizer;

  /** `defaultClaims` govern renewals of certificates that name no provisioner. */
  constructor(provisioners: readonly Provisioner[], defaultClaims: Claims) {
    this.list = [...provisioners].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.byTokenKey = new Map(provisioners.map((p) => [p.tokenKey, p]));
    this.byKid = new Map(provisioners.filter((p) => p.kid).map((p) => [p.kid as string, p]));
    this.byIssuer = new Map(provisioners.flatMap((p) => (p.tokenIssuers ?? []).map((iss) => [iss, p] as const)));
    this.unnamed = claimsRenewAuthorizer(defaultClaims);
  }

  /** The provisioner with this key id (`/provisioners/{kid}/encrypted-key`). */
  withKid(kid: string): Provisioner | undefined {
    return this.byKid.get(kid);
  }

  /**
   * The provisioner a token is for (step-ca's LoadByToken): the fragment of an
   * audience (`…/1.0/sign#x5c/NAME`, AWS and GCP likewise), else its issuer when a
   * provisioner claims it (K8sSA), else the key id of its header (JWK), else its
   * authorised party (`azp`, OIDC), its tenant (`tid`, Azure) or first audience (OIDC: the client id). The token is
   * not verified yet: that is the provisioner's job. Unauthorized when none matches.
   */
  forToken(token: DecodedJws): Provisioner {
    const audiences = audiencesOf(token.claims);
    const withFragment = audiences.find((a) => a.includes('#'));
    if (withFragment !== undefined) {
      const key = withFragment.slice(withFragment.indexOf('#') + 1);
      const p = this.byTokenKey.get(key);
      if (!p) throw new Unauthorized(`invalid token: no provisioner "${key}" (audience fragment)`);
      return p;
    }
    const iss = token.claims.iss;
    const byIssuer = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
    if (byIssuer) return byIssuer;
    // step-ca: a token with a tenant (tid) and an email is an Azure AD user's ID token for an OIDC client first, else a VM's (Azure provisioner).
    const email = token.claims.email;
    const byTenantOrAudience = typeof email === 'string' && email !== '' ? [audiences[0], token.claims.tid] : [token.claims.tid, audiences[0]];
    const candidates = [token.header.kid, token.claims.azp, ...byTenantOrAudience];
    for (const key of candidates) {
      const p = typeof key === 'string' ? this.byTokenKey.get(key) : undefined;
      if (p) return p;
    }
    throw new Unauthorized(`invalid token: no provisioner has its ${token.header.kid !== undefined ? 'key id (kid), ' : ''}authorized party (azp) or audience (aud)`);
  }

  /**
   * What decides on renewing a certificate: the provisioner its provisioner extension
   * names (by name, and credential id when it has one), or the CA's claims when it
   * names none. Unauthorized when that provisioner is gone.
   */
  forCertificate(cert: ParsedCertificate): RenewAuthorizer {
    const ext = cert.extensions.find((e) => e.id === OID.stepProvisioner);
    if (!ext) return this.unnamed;
    let ref;
    try {
      ref = readProvisionerExtension(ext.value);
    } catch {
      throw new Unauthorized('certificate has a malformed provisioner extension');
    }
    const provisioner = this.list.find((p) => p.name === ref.name && (ref.credentialId === '' || p.credentialId === '' || p.credentialId === ref.credentialId));
    if (!provisioner) throw new Unauthorized(`the provisioner "${ref.name}" of this certificate no longer exists`);
    return provisioner;
  }
}
