import type { JWTPayload } from 'jose';
import type { GcpProvisionerConfig, ProvisionerConfig } from '../config/caConfig.js';
import { Unauthorized } from '../errors.js';
import { provisionerExtension, ProvisionerTypeCode } from '../pki/extensions.js';
import type { Claims } from './claims.js';
import { IdentityProvider } from './identityProvider.js';
import { instanceSignOptions, instanceTokenUse, noRevokeToken } from './instanceIdentity.js';
import { compactJws, type DecodedJws } from './jws.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { httpsUrlKey, optionalBoolean, optionalCaBundle, optionalDuration, stringList, type ProvisionerEnvironment, listedEntry } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import { commonNameOneOfValidator, type SignOption } from './signOptions.js';
import { audienceMatches, audiencesOf, LEEWAY_MS } from './tokenClaims.js';

/** Google's OpenID configuration: issuer https://accounts.google.com, its keys at googleapis.com/oauth2/v3/certs (step-ca's gcpCertsURL). */
export const GOOGLE_CONFIGURATION_ENDPOINT = 'https://accounts.google.com';
const SIGN_PATHS = ['/1.0/sign', '/sign'];

/** The Compute Engine claims of a `format=full` instance identity token (Google's names). */
export interface ComputeEngineClaims {
  readonly instanceId: string;
  readonly instanceName: string;
  readonly projectId: string;
  readonly zone: string;
  /** Seconds since the epoch, when the token says. */
  readonly instanceCreationTimestamp?: number;
}

/** A VM's internal DNS names, as step-ca allows them: `<instance>.c.<project>.internal` and `<instance>.<zone>.c.<project>.internal`. */
export const gcpInternalDnsNames = (ce: ComputeEngineClaims): [string, string] => [`${ce.instanceName}.c.${ce.projectId}.internal`, `${ce.instanceName}.${ce.zone}.c.${ce.projectId}.internal`];

/** The compute_engine claims of a verified token; Unauthorized naming the first missing one. */
function computeEngineOf(payload: JWTPayload): ComputeEngineClaims {
  const google = payload.google;
  const ce = (typeof google === 'object' && google !== null ? (google as Record<string, unknown>).compute_engine : undefined) as Record<string, unknown> | undefined;
  const text = (name: string): string => {
    const v = ce?.[name];
    if (typeof v !== 'string' || v === '') throw new Unauthorized(`invalid gcp token: google.compute_engine.${name} cannot be empty`);
    return v;
  };
  const created = ce?.instance_creation_timestamp;
  return {
    instanceId: text('instance_id'),
    instanceName: text('instance_name'),
    projectId: text('project_id'),
    zone: text('zone'),
    ...(typeof created === 'number' ? { instanceCreationTimestamp: created } : {}),
  };
}

/**
 * A GCP provisioner (step-ca's): a VM proves who it is with the instance identity
 * token Google signs (`format=full`, audience the CA's sign URL with `#gcp/NAME`).
 * Service accounts and projects may be allow-listed and the instance's age bounded;
 * under trust on first use (the default) an instance gets one certificate. Google's
 * keys are fetched and refreshed as an OIDC provisioner's are; fedca's own keys
 * `configurationEndpoint` and `caBundle` point elsewhere (tests, air-gapped sites).
 */
export class GcpProvisioner implements Provisioner {
  readonly type = 'GCP';
  readonly name: string;
  readonly id: string;
  readonly tokenKey: string;
  /** The service account goes into each certificate's extension; renewals find the provisioner by name. */
  readonly credentialId = '';
  private readonly serviceAccounts: readonly string[];
  private readonly projectIDs: readonly string[];
  private readonly disableCustomSANs: boolean;
  private readonly disableTrustOnFirstUse: boolean;
  private readonly instanceAgeMs?: number;
  private readonly google: IdentityProvider;

  private readonly config: GcpProvisionerConfig;

  /** Throws ProvisionerConfigError naming a bad key. */
  constructor(
    entry: ProvisionerConfig,
    readonly claims: Claims,
    home: string,
  ) {
    this.name = entry.name;
    this.id = `gcp/${entry.name}`;
    this.tokenKey = this.id;
    this.serviceAccounts = stringList(entry, 'serviceAccounts');
    this.projectIDs = stringList(entry, 'projectIDs');
    this.disableCustomSANs = optionalBoolean(entry, 'disableCustomSANs');
    this.disableTrustOnFirstUse = optionalBoolean(entry, 'disableTrustOnFirstUse');
    this.instanceAgeMs = optionalDuration(entry, 'instanceAge');
    const endpoint = httpsUrlKey(entry, 'configurationEndpoint', GOOGLE_CONFIGURATION_ENDPOINT);
    this.google = new IdentityProvider(endpoint, '', optionalCaBundle(entry, 'caBundle', home));
    // Each key it reads was checked above.
    this.config = entry as GcpProvisionerConfig;
  }

  info(): ProvisionerInfo {
    return listedEntry(this.config, ['serviceAccounts', 'projectIDs', 'disableCustomSANs', 'disableTrustOnFirstUse', 'instanceAge']);
  }

  /** step-ca's authorizeToken: Google's signature, issuer and times, the CA's sign audience, service account, project, instance age. */
  private async verifyToken(token: DecodedJws, context: AuthorizeContext): Promise<{ payload: JWTPayload; ce: ComputeEngineClaims }> {
    const payload = await this.google.verify(compactJws(token), false);
    if (typeof payload.exp !== 'number') throw new Unauthorized('invalid gcp token: exp is required');
    if (!audienceMatches(audiencesOf(payload), context.dnsNames, SIGN_PATHS)) throw new Unauthorized("invalid gcp token: audience (aud) is not this CA's sign endpoint");
    const email = typeof payload.email === 'string' ? payload.email : '';
    if (this.serviceAccounts.length > 0 && !this.serviceAccounts.some((sa) => sa === payload.sub || (email !== '' && sa === email))) {
      throw new Unauthorized(`invalid gcp token: the service account ${email || payload.sub} is not allowed`);
    }
    const ce = computeEngineOf(payload);
    if (this.projectIDs.length > 0 && !this.projectIDs.includes(ce.projectId)) throw new Unauthorized(`invalid gcp token: the project ${ce.projectId} is not allowed`);
    if (this.instanceAgeMs !== undefined && this.instanceAgeMs > 0) {
      if (ce.instanceCreationTimestamp === undefined) throw new Unauthorized('invalid gcp token: google.compute_engine.instance_creation_timestamp is missing');
      if (context.now.getTime() - ce.instanceCreationTimestamp * 1000 > this.instanceAgeMs) throw new Unauthorized('invalid gcp token: the instance is older than instanceAge (google.compute_engine.instance_creation_timestamp)');
    }
    return { payload, ce };
  }

  async authorizeSign(token: DecodedJws, context: AuthorizeContext): Promise<Authorization> {
    const { payload, ce } = await this.verifyToken(token, context);
    const extension = provisionerExtension(ProvisionerTypeCode.GCP, this.name, payload.sub ?? '');
    const dnsNames = gcpInternalDnsNames(ce);
    const first: SignOption[] = this.disableCustomSANs ? [commonNameOneOfValidator([ce.instanceName, ce.instanceId, ...dnsNames])] : [];
    const options = instanceSignOptions(this.claims, extension, this.disableCustomSANs ? dnsNames : undefined, first);
    const expiresAt = new Date((payload.exp as number) * 1000 + LEEWAY_MS);
    return { ...instanceTokenUse(!this.disableTrustOnFirstUse, this.tokenKey, ce.instanceId, token, expiresAt), options };
  }

  authorizeRevoke(_token: DecodedJws, _context: AuthorizeContext): Promise<RevokeAuthorization> {
    return noRevokeToken(this.type);
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds a GCP provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const gcpProvisioner = (config: ProvisionerConfig, claims: Claims, environment: ProvisionerEnvironment): GcpProvisioner => new GcpProvisioner(config, claims, environment.home);
