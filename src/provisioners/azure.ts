import type { JWTPayload } from 'jose';
import type { AzureProvisionerConfig, ProvisionerConfig } from '../config/caConfig.js';
import { Unauthorized } from '../errors.js';
import { provisionerExtension, ProvisionerTypeCode } from '../pki/extensions.js';
import type { Claims } from './claims.js';
import { IdentityProvider } from './identityProvider.js';
import { firstUseTokenIdOf, instanceSignOptions, NEVER_FORGOTTEN, noRevokeToken, reusableTokenId } from './instanceIdentity.js';
import { compactJws, type DecodedJws } from './jws.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { httpsUrlKey, optionalBoolean, optionalCaBundle, optionalString, requiredString, stringList, type ProvisionerEnvironment, listedEntry } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import { commonNameValidator } from './signOptions.js';
import { LEEWAY_MS } from './tokenClaims.js';

/** The resource (audience) a VM's managed identity asks its token for by default, as step-ca. */
export const AZURE_DEFAULT_AUDIENCE = 'https://management.azure.com/';

/** The tenant's OpenID configuration at Microsoft (step-ca's azureOIDCBaseURL/<tenant>). */
export const azureConfigurationEndpoint = (tenantID: string): string => `https://login.microsoftonline.com/${encodeURIComponent(tenantID)}`;

/** `xms_mirid`: the managed identity's resource id, `/subscriptions/S/resourceGroups/G/providers/Microsoft.Compute/virtualMachines/NAME` (or a user-assigned identity). */
const XMS_MIRID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.(Compute\/virtualMachines|ManagedIdentity\/userAssignedIdentities)\/([^/]+)$/i;

/** Who a managed-identity token says the VM is. */
export interface AzureIdentity {
  readonly subscription: string;
  readonly resourceGroup: string;
  /** The VM's (or user-assigned identity's) name: the certificate's name. */
  readonly name: string;
  readonly objectId: string;
  readonly resourceId: string;
}

/**
 * An Azure provisioner (step-ca's): a VM proves who it is with the access token its
 * managed identity gets from the instance metadata service, signed by the tenant's
 * keys. Resource groups, subscriptions and object ids may be allow-listed; under
 * trust on first use (the default) a VM gets one certificate. fedca's own keys
 * `configurationEndpoint` and `caBundle` point at another key set (tests, air-gapped sites).
 */
export class AzureProvisioner implements Provisioner {
  readonly type = 'Azure';
  readonly name: string;
  readonly id: string;
  /** step-ca finds an Azure provisioner by the token's tenant (`tid`). */
  readonly tokenKey: string;
  readonly credentialId: string;
  private readonly tenantID: string;
  private readonly resourceGroups: readonly string[];
  private readonly subscriptionIDs: readonly string[];
  private readonly objectIDs: readonly string[];
  private readonly disableCustomSANs: boolean;
  private readonly disableTrustOnFirstUse: boolean;
  private readonly tenant: IdentityProvider;
  private readonly extension: Buffer;

  private readonly config: AzureProvisionerConfig;

  /** Throws ProvisionerConfigError naming a bad key. */
  constructor(
    entry: ProvisionerConfig,
    readonly claims: Claims,
    home: string,
  ) {
    this.name = entry.name;
    this.tenantID = requiredString(entry, 'tenantID');
    this.id = this.tenantID;
    this.tokenKey = this.tenantID;
    this.credentialId = this.tenantID;
    this.resourceGroups = stringList(entry, 'resourceGroups');
    this.subscriptionIDs = stringList(entry, 'subscriptionIDs');
    this.objectIDs = stringList(entry, 'objectIDs');
    this.disableCustomSANs = optionalBoolean(entry, 'disableCustomSANs');
    this.disableTrustOnFirstUse = optionalBoolean(entry, 'disableTrustOnFirstUse');
    const audience = optionalString(entry, 'audience') ?? AZURE_DEFAULT_AUDIENCE;
    const endpoint = httpsUrlKey(entry, 'configurationEndpoint', azureConfigurationEndpoint(this.tenantID));
    this.tenant = new IdentityProvider(endpoint, audience, optionalCaBundle(entry, 'caBundle', home), `the provisioner's audience (${audience})`);
    this.extension = provisionerExtension(ProvisionerTypeCode.Azure, this.name, this.tenantID);
    // Each key it reads was checked above.
    this.config = entry as AzureProvisionerConfig;
  }

  info(): ProvisionerInfo {
    return listedEntry(this.config, ['tenantID', 'resourceGroups', 'subscriptionIDs', 'objectIDs', 'audience', 'disableCustomSANs', 'disableTrustOnFirstUse']);
  }

  /** step-ca's authorizeToken and AuthorizeSign checks: the tenant's signature, issuer, audience and times, `tid`, `xms_mirid`, the allow-lists. */
  private async verifyToken(token: DecodedJws): Promise<{ payload: JWTPayload; identity: AzureIdentity }> {
    const payload = await this.tenant.verify(compactJws(token));
    if (typeof payload.exp !== 'number') throw new Unauthorized('invalid azure token: exp is required');
    if (payload.tid !== this.tenantID) throw new Unauthorized('invalid azure token: the tenant (tid) is not the provisioner\'s');
    const resourceId = typeof payload.xms_mirid === 'string' ? payload.xms_mirid : '';
    const m = XMS_MIRID.exec(resourceId);
    if (!m) throw new Unauthorized(`invalid azure token: xms_mirid ${JSON.stringify(resourceId.slice(0, 200))} is not a virtual machine's or managed identity's resource id`);
    const identity: AzureIdentity = { subscription: m[1], resourceGroup: m[2], name: m[4], objectId: typeof payload.oid === 'string' ? payload.oid : '', resourceId };
    if (this.resourceGroups.length > 0 && !this.resourceGroups.includes(identity.resourceGroup)) throw new Unauthorized(`invalid azure token: the resource group ${identity.resourceGroup} is not allowed`);
    if (this.subscriptionIDs.length > 0 && !this.subscriptionIDs.includes(identity.subscription)) throw new Unauthorized(`invalid azure token: the subscription ${identity.subscription} is not allowed`);
    if (this.objectIDs.length > 0 && !this.objectIDs.includes(identity.objectId)) throw new Unauthorized('invalid azure token: the identity object id (oid) is not allowed');
    return { payload, identity };
  }

  async authorizeSign(token: DecodedJws, _context: AuthorizeContext): Promise<Authorization> {
    const { payload, identity } = await this.verifyToken(token);
    const first = this.disableCustomSANs ? [commonNameValidator(identity.name)] : [];
    const options = instanceSignOptions(this.claims, this.extension, this.disableCustomSANs ? [identity.name] : undefined, first);
    // step-ca: one certificate per resource id under trust on first use; without it the token may be used again (IMDS hands out the same one for hours).
    const use = this.disableTrustOnFirstUse
      ? { tokenId: reusableTokenId(this.tokenKey), tokenExpiresAt: new Date((payload.exp as number) * 1000 + LEEWAY_MS) }
      : { tokenId: firstUseTokenIdOf(identity.resourceId), tokenExpiresAt: NEVER_FORGOTTEN };
    return { ...use, options };
  }

  authorizeRevoke(_token: DecodedJws, _context: AuthorizeContext): Promise<RevokeAuthorization> {
    return noRevokeToken(this.type);
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds an Azure provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const azureProvisioner = (config: ProvisionerConfig, claims: Claims, environment: ProvisionerEnvironment): AzureProvisioner => new AzureProvisioner(config, claims, environment.home);
