import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { ProvisionerConfig } from '../config/caConfig.js';
import { Forbidden, Unauthorized } from '../errors.js';
import { classifySans, provisionerExtension, ProvisionerTypeCode } from '../pki/extensions.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';
import { allowedProfiles, isProfileName, PROFILE_NAMES, profileOptions, type ProfileName } from './certificateProfiles.js';
import type { Claims } from './claims.js';
import { IdentityProvider } from './identityProvider.js';
import type { DecodedJws } from './jws.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { httpsUrlKey, listedEntry, optionalCaBundle, optionalString, ProvisionerConfigError, requiredString, stringList, type ProvisionerEnvironment } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import {
  commonNameValidator,
  durationValidator,
  extensionModifier,
  publicKeyValidator,
  sansValidator,
  subjectModifier,
  validityModifier,
  type SignOption,
} from './signOptions.js';
import { LEEWAY_MS } from './tokenClaims.js';

/** step-ca's sanitizeEmail: the domain part compares case-insensitively. */
const sanitizeEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  return at < 0 ? email : email.slice(0, at) + email.slice(at).toLowerCase();
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** `options.groupProfiles`: IdP group → the certificate profiles its members may get. */
function readGroupProfiles(options: Readonly<Record<string, unknown>> | undefined): ReadonlyMap<string, readonly ProfileName[]> | undefined {
  const raw = options?.groupProfiles;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProvisionerConfigError('options.groupProfiles', 'must be an object mapping groups to lists of profiles');
  const map = new Map<string, readonly ProfileName[]>();
  for (const [group, profiles] of Object.entries(raw)) {
    if (!Array.isArray(profiles) || profiles.some((p) => typeof p !== 'string' || !isProfileName(p))) {
      throw new ProvisionerConfigError(`options.groupProfiles.${group}`, `must be a list of profile names (known: ${PROFILE_NAMES.join(', ')})`);
    }
    map.set(group, profiles as ProfileName[]);
  }
  return map;
}

/** The identity provider's claims fedca reads from an ID token. */
interface IdTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** The token's id in the store: its nonce (step-ca), else jti, else its hash. */
  readonly id: string;
  readonly exp: Date;
}

/**
 * An OIDC provisioner (step-ca's): the token is an ID token of the company's identity
 * provider. A person gets a certificate for their email (CN and SAN) and the URI SAN
 * `ISSUER#sub`; an administrator (`admins`: emails or groups) for any names. Beyond
 * step-ca, `options.groupProfiles` says which certificate profiles each IdP group may
 * get, and the groups are recorded with the certificate.
 */
export class OidcProvisioner implements Provisioner {
  readonly type = 'OIDC';
  readonly name: string;
  readonly id: string;
  readonly tokenKey: string;
  readonly credentialId: string;
  private readonly clientID: string;
  private readonly admins: readonly string[];
  private readonly domains: readonly string[];
  private readonly groups: readonly string[];
  private readonly groupProfiles?: ReadonlyMap<string, readonly ProfileName[]>;
  private readonly profiles: ReadonlySet<ProfileName>;
  private readonly idp: IdentityProvider;
  private readonly extension: Buffer;

  /** Throws ProvisionerConfigError naming a bad key. */
  constructor(
    private readonly config: ProvisionerConfig,
    readonly claims: Claims,
    home: string,
  ) {
    this.name = config.name;
    this.clientID = requiredString(config, 'clientID');
    optionalString(config, 'clientSecret');
    const endpoint = httpsUrlKey(config, 'configurationEndpoint');
    const listenAddress = optionalString(config, 'listenAddress');
    if (listenAddress !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]*):\d{1,5}$/.test(listenAddress)) throw new ProvisionerConfigError('listenAddress', `must be HOST:PORT or :PORT, got ${JSON.stringify(listenAddress)}`);
    this.admins = stringList(config, 'admins');
    this.domains = stringList(config, 'domains').map((d) => d.toLowerCase());
    this.groups = stringList(config, 'groups');
    this.groupProfiles = readGroupProfiles(config.options);
    this.profiles = allowedProfiles(config.options);
    const ca = optionalCaBundle(config, 'caBundle', home);
    this.id = this.clientID;
    this.tokenKey = this.clientID;
    this.credentialId = this.clientID;
    this.idp = new IdentityProvider(endpoint, this.clientID, ca);
    this.extension = provisionerExtension(ProvisionerTypeCode.OIDC, this.name, this.clientID);
  }

  info(): ProvisionerInfo {
    return listedEntry(this.config, ['clientID', 'configurationEndpoint', 'clientSecret', 'admins', 'domains', 'groups', 'listenAddress']);
  }

  /** step-ca's IsAdmin: the email (domain case-insensitive) or one of the groups is in `admins`. */
  private isAdmin(claims: IdTokenClaims): boolean {
    const email = sanitizeEmail(claims.email);
    return this.admins.some((a) => (claims.email !== '' && sanitizeEmail(a) === email) || claims.groups.includes(a));
  }

  /** The identity provider's checks (signature, iss, aud, times), then azp, domains and groups, as step-ca's ValidatePayload. */
  private async verifyToken(token: DecodedJws): Promise<IdTokenClaims> {
    const payload: JWTPayload = await this.idp.verify(`${token.signingInput.toString('ascii')}.${token.signature.toString('base64url')}`);
    if (payload.azp !== undefined && payload.azp !== this.clientID) throw new Unauthorized("invalid token: authorized party (azp) is not the provisioner's client id");
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new Unauthorized('invalid token: subject (sub) is empty');
    if (typeof payload.exp !== 'number') throw new Unauthorized('invalid token: exp is required');
    const email = typeof payload.email === 'string' ? payload.email : '';
    const nonce = typeof payload.nonce === 'string' && payload.nonce !== '' ? payload.nonce : undefined;
    const jti = typeof payload.jti === 'string' && payload.jti !== '' ? payload.jti : undefined;
    const claims: IdTokenClaims = {
      iss: payload.iss ?? '',
      sub: payload.sub,
      email,
      groups: strings(payload.groups),
      id: nonce ?? jti ?? createHash('sha256').update(token.signingInput).digest('hex'),
      exp: new Date(payload.exp * 1000 + LEEWAY_MS),
    };
    const admin = this.isAdmin(claims);
    if (email !== '' && this.domains.length > 0 && !admin) {
      const at = sanitizeEmail(email);
      if (!this.domains.some((d) => at.endsWith(`@${d}`))) throw new Unauthorized(`invalid token: the email ${email} is not in an allowed domain`);
    }
    if (this.groups.length > 0 && !this.groups.some((g) => claims.groups.includes(g))) throw new Unauthorized('invalid token: not a member of an allowed group');
    return claims;
  }

  /** The profiles the token's groups allow: by `options.groupProfiles` when set (admins: all), within `options.profiles`. */
  private profilesFor(claims: IdTokenClaims, admin: boolean): ReadonlySet<ProfileName> {
    if (!this.groupProfiles || admin) return this.profiles;
    const granted = new Set<ProfileName>();
    for (const group of claims.groups) for (const p of this.groupProfiles.get(group) ?? []) if (this.profiles.has(p)) granted.add(p);
    return granted;
  }

  async authorizeSign(token: DecodedJws, context: AuthorizeContext): Promise<Authorization> {
    const claims = await this.verifyToken(token);
    const admin = this.isAdmin(claims);
    const allowed = this.profilesFor(claims, admin);
    if (allowed.size === 0) throw new Forbidden(`none of the groups ${JSON.stringify(claims.groups)} allows a certificate from the provisioner "${this.name}"`);
    const options: SignOption[] = [];
    if (!admin) {
      // A person: their email, and the identity provider's name for them (step-ca's ISSUER#sub).
      const cn = claims.email !== '' ? claims.email : claims.sub;
      const uri = new URL(claims.iss);
      uri.hash = claims.sub;
      const sans = classifySans([...(claims.email !== '' ? [claims.email] : []), uri.href]);
      options.push(subjectModifier(cn, sans), commonNameValidator(cn), sansValidator(sans));
    }
    options.push(
      validityModifier(this.claims.defaultTLSCertDurationMs, BACKDATE_MS),
      extensionModifier(this.extension),
      publicKeyValidator(),
      durationValidator(this.claims.minTLSCertDurationMs, this.claims.maxTLSCertDurationMs),
      ...profileOptions(context.requestedProfile, allowed, this.name),
    );
    return { tokenId: `oidc/${this.clientID}:${claims.id}`, tokenExpiresAt: claims.exp, options, groups: claims.groups };
  }

  /** step-ca's rule: only an administrator's token revokes (any certificate). */
  async authorizeRevoke(token: DecodedJws, _context: AuthorizeContext): Promise<RevokeAuthorization> {
    const claims = await this.verifyToken(token);
    if (!this.isAdmin(claims)) throw new Unauthorized('only an administrator of the OIDC provisioner may revoke with its token');
    return { tokenId: `oidc/${this.clientID}:${claims.id}`, tokenExpiresAt: claims.exp };
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds an OIDC provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const oidcProvisioner = (config: ProvisionerConfig, claims: Claims, environment: ProvisionerEnvironment): OidcProvisioner =>
  new OidcProvisioner(config, claims, environment.home);
