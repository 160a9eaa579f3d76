import type { Command } from 'commander';
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
  if (flags.provisioner === undefined) return undefined;
  const identity = await CloudIdentity.find(client, { provisioner: flags.provisioner, metadataUrl: flags.metadataUrl, tokenFile: flags.serviceAccountTokenFile });
  return identity?.token(subject);
}

/** Adds `--metadata-url` and `--service-account-token-file` (fedca's own) to a command. */
export function addCloudIdentityOptions(command: Command): Command {
  return command
    .option('--metadata-url <url>', 'fedca only: the instance metadata service an AWS, GCP or Azure provisioner (--provisioner) gets the identity from (default: http://169.254.169.254)')
    .option('--service-account-token-file <file>', 'fedca only: the Kubernetes service-account token for a K8sSA provisioner (default: /var/run/secrets/kubernetes.io/serviceaccount/token)');
}
