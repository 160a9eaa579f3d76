import type { Command } from 'commander';
import type { CloudIdentityOptions } from '../sdk/cloudIdentity.js';

/** The flags that say where a workload's platform identity comes from (fedca's own: step has no such flags). */
export interface CloudIdentityFlags {
  provisioner?: string;
  metadataUrl?: string;
  serviceAccountTokenFile?: string;
}

/** The SDK's options for the platform identity of the provisioner `name`, from the flags. */
export function cloudIdentityOptions(name: string, flags: CloudIdentityFlags): CloudIdentityOptions {
  return { provisioner: name, metadataUrl: flags.metadataUrl, tokenFile: flags.serviceAccountTokenFile };
}

/** Adds `--metadata-url` and `--service-account-token-file` (fedca's own) to a command. */
export function addCloudIdentityOptions(command: Command): Command {
  return command
    .option('--metadata-url <url>', 'fedca only: the instance metadata service an AWS, GCP or Azure provisioner (--provisioner) gets the identity from (default: http://169.254.169.254)')
    .option('--service-account-token-file <file>', 'fedca only: the Kubernetes service-account token for a K8sSA provisioner (default: /var/run/secrets/kubernetes.io/serviceaccount/token)');
}
