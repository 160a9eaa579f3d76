import type { CaClient } from './caClient.js';
import { awsIdentityToken } from './cloudIdentity/aws.js';
import { AZURE_DEFAULT_RESOURCE, azureIdentityToken } from './cloudIdentity/azure.js';
import { gcpIdentityToken } from './cloudIdentity/gcp.js';
import { serviceAccountToken } from './cloudIdentity/k8sSA.js';
import { DEFAULT_METADATA_URL } from './cloudIdentity/metadataService.js';
import { ProvisionerError } from './errors.js';
import type { ProvisionerEntry } from './wire.js';

/** The provisioner types whose tokens are a platform's identity, needing no secret. */
export const CLOUD_PROVISIONER_TYPES = ['AWS', 'GCP', 'Azure', 'K8sSA'] as const;
/** One of them. */
export type CloudProvisionerType = (typeof CLOUD_PROVISIONER_TYPES)[number];

/** Where a workload's platform identity comes from. */
export interface CloudIdentityOptions {
  /** The name of the CA's AWS, GCP, Azure or K8sSA provisioner. */
  readonly provisioner: string;
  /** The instance metadata service (fedca's own option; default http://169.254.169.254, the clouds' address). */
  readonly metadataUrl?: string;
  /** K8sSA: the service-account token file; default /var/run/secrets/kubernetes.io/serviceaccount/token. */
  readonly tokenFile?: string;
}

const isCloudType = (type: string): type is CloudProvisionerType => (CLOUD_PROVISIONER_TYPES as readonly string[]).includes(type);

const stringsOf = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') && v.length > 0 ? (v as string[]) : undefined);

/**
 * A workload's platform identity as a token source: each call to `token` asks the
 * metadata service (or reads the service-account token) afresh and builds the token
 * step's client would for the CA's cloud provisioner. No secret is involved.
 */
export class CloudIdentity {
  private constructor(
    readonly type: CloudProvisionerType,
    private readonly entry: ProvisionerEntry,
    private readonly caUrl: string,
    private readonly options: CloudIdentityOptions,
  ) {}

  /**
   * The CA's provisioner named in `options` (via `/provisioners`) as a token source, or
   * undefined when there is none or it is not of a cloud type (AWS, GCP, Azure, K8sSA). Throws what CaClient throws.
   */
  static async find(client: CaClient, options: CloudIdentityOptions): Promise<CloudIdentity | undefined> {
    return CloudIdentity.inListing(await client.provisioners(), client.caUrl, options);
  }

  /** As `find`, from `all`, the `/provisioners` listing of the CA at `caUrl` already fetched. */
  static inListing(all: readonly ProvisionerEntry[], caUrl: string, options: CloudIdentityOptions): CloudIdentity | undefined {
    const entry = all.find((p) => p.name === options.provisioner);
    return entry !== undefined && isCloudType(entry.type) ? new CloudIdentity(entry.type, entry, caUrl, options) : undefined;
  }

  /**
   * Finds the CA's provisioner named in `options` (via `/provisioners`). Throws
   * ProvisionerError when there is none or it is not of a cloud type, and what CaClient throws.
   */
  static async load(client: CaClient, options: CloudIdentityOptions): Promise<CloudIdentity> {
    const entry = (await client.provisioners()).find((p) => p.name === options.provisioner);
    if (!entry) throw new ProvisionerError(`the CA has no provisioner named "${options.provisioner}"`);
    if (!isCloudType(entry.type)) throw new ProvisionerError(`the provisioner "${options.provisioner}" is of type ${entry.type}, not a platform identity (${CLOUD_PROVISIONER_TYPES.join(', ')})`);
    return new CloudIdentity(entry.type, entry, client.caUrl, options);
  }

  /**
   * A fresh token for a certificate with this subject (AWS carries it as `sub`; the
   * other clouds' tokens name the instance themselves). Throws CloudIdentityError
   * when the metadata service or token file cannot give the identity.
   */
  async token(subject: string): Promise<string> {
    const base = this.options.metadataUrl ?? DEFAULT_METADATA_URL;
    switch (this.type) {
      case 'AWS':
        return awsIdentityToken(base, this.caUrl, this.entry.name, subject, stringsOf(this.entry.imdsVersions));
      case 'GCP':
        return gcpIdentityToken(base, this.caUrl, this.entry.name);
      case 'Azure':
        return azureIdentityToken(base, typeof this.entry.audience === 'string' && this.entry.audience !== '' ? this.entry.audience : AZURE_DEFAULT_RESOURCE);
      case 'K8sSA':
        return serviceAccountToken(this.options.tokenFile);
    }
  }
}
