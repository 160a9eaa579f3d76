import { readFileSync } from 'node:fs';
import { CloudIdentityError } from '../errors.js';

/** Where Kubernetes mounts a pod's service-account token. */
export const DEFAULT_SERVICE_ACCOUNT_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** The pod's service-account token, read from `file` (read again each time: the kubelet rotates projected tokens). Throws CloudIdentityError. */
export function serviceAccountToken(file = DEFAULT_SERVICE_ACCOUNT_TOKEN_FILE): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new CloudIdentityError(`cannot read the service-account token ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): is this a Kubernetes pod?`);
  }
  if (token === '') throw new CloudIdentityError(`the service-account token file ${file} is empty`);
  return token;
}
