import { CloudIdentityError } from '../errors.js';
import { askMetadataService, signAudience } from './metadataService.js';

const IDENTITY_PATH = '/computeMetadata/v1/instance/service-accounts/default/identity';

/**
 * The token step's client gets on a Compute Engine VM (step-ca's GCP
 * GetIdentityToken): the default service account's identity token for the audience
 * `<caUrl>/1.0/sign#gcp/NAME`, `format=full` (the instance's claims), no licenses,
 * asked with `Metadata-Flavor: Google`. Throws CloudIdentityError.
 */
export async function gcpIdentityToken(baseUrl: string, caUrl: string, provisioner: string): Promise<string> {
  const query = new URLSearchParams({ audience: signAudience(caUrl, `gcp/${provisioner}`), format: 'full', licenses: 'FALSE' });
  const token = (await askMetadataService(baseUrl, { path: `${IDENTITY_PATH}?${query}`, headers: { 'Metadata-Flavor': 'Google' } }, 'GCP')) ?? '';
  if (token.trim() === '') throw new CloudIdentityError('the GCP metadata service sent an empty identity token');
  return token.trim();
}
