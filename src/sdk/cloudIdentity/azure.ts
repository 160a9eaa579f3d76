import { CloudIdentityError } from '../errors.js';
import { askMetadataService } from './metadataService.js';

/** The resource a managed identity's token is asked for unless the provisioner names another audience (step-ca's default). */
export const AZURE_DEFAULT_RESOURCE = 'https://management.azure.com/';

/**
 * The token step's client gets on an Azure VM (step-ca's Azure GetIdentityToken):
 * the managed identity's access token for `resource` from the metadata service's
 * OAuth2 endpoint, asked with `Metadata: true`. Throws CloudIdentityError.
 */
export async function azureIdentityToken(baseUrl: string, resource = AZURE_DEFAULT_RESOURCE): Promise<string> {
  const query = new URLSearchParams({ 'api-version': '2018-02-01', resource });
  const answer = (await askMetadataService(baseUrl, { path: `/metadata/identity/oauth2/token?${query}`, headers: { Metadata: 'true' } }, 'Azure')) ?? '';
  let token: unknown;
  try {
    ({ access_token: token } = JSON.parse(answer) as { access_token?: unknown });
  } catch {
    throw new CloudIdentityError('the Azure metadata service did not answer with a token (JSON)');
  }
  if (typeof token !== 'string' || token === '') throw new CloudIdentityError('the Azure metadata service answered without an access_token');
  return token;
}
