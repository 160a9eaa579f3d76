import type { CaClient } from '../sdk/caClient.js';
import { CloudIdentity } from '../sdk/cloudIdentity.js';

/** The flags that say where a workload's platform identity comes from (fedca's own: step has no such flags). */
export interface CloudIdentityFlags {
  provisioner?: string;
  metadataUrl?: string;
  serviceAccountTokenFile?: string;
}

/**
 * The token of the provisioner named `--provisioner` when it is an AWS, GCP, Azure or
 * K8sSA one: the identity document or token from the metadata service (or the
 * service-account token file), as step's client gets it. Resolves undefined for a
 * provisioner of another type (or none named). Throws CloudIdentityError and what CaClient throws.
 */
export async function cloudIdentityToken(client: CaClient, flags: CloudIdentityFlags, subject: string): Promise<string | undefined> {
  if (flags.provisioner === undefined || !(await CloudIdentity.isCloudProvisioner(client, flags.provisioner))) return undefined;
  const identity = await CloudIdentity.load(client, { provisioner: flags.provisioner, metadataUrl: flags.metadataUrl, tokenFile: flags.serviceAccountTokenFile });
  return identity.token(subject);
}
