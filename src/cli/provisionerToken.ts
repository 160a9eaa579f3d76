import type { CaClient } from '../sdk/caClient.js';
import { CloudIdentity } from '../sdk/cloudIdentity.js';
import { Provisioner } from '../sdk/provisioner.js';
import { singleSignOnSettingsIn } from '../sdk/singleSignOn.js';
import { cloudIdentityOptions, type CloudIdentityFlags } from './cloudIdentity.js';
import { tokenExpiry } from './options.js';
import { provisionerPassword, type ProvisionerFlags } from './provisionerFlags.js';
import { logInAtTerminal } from './singleSignOn.js';

/** What a one-time token is asked for. */
export interface TokenWanted {
  /** The certificate's subject; with `revoke`, the decimal serial to revoke. */
  readonly subject: string;
  readonly sans?: readonly string[];
  readonly profile?: string;
  /** `--not-after`: an RFC 3339 time, or a duration counted from when the token is signed. */
  readonly notAfter?: string;
  /** A revoke token (a JWK or OIDC provisioner's; a platform identity revokes nothing). */
  readonly revoke?: boolean;
  /** The provisioner password read up front (`passwordUpFront`), if it was. */
  readonly password?: string;
}

/** A token and what made it: the platform's identity, a person's login, or a JWK provisioner's key. */
export interface ProvisionerToken {
  readonly ott: string;
  readonly source: 'platform' | 'login' | 'jwk';
}

/**
 * The one-time token of the provisioner `--provisioner` names, the one place the CLI
 * decides by a provisioner's type, from one `GET /provisioners`:
 * - AWS, GCP, Azure, K8sSA: the platform's identity (as step ca token builds it), no secret;
 * - OIDC: the ID token of a login in the browser (an admin's revokes any serial);
 * - otherwise (or none named): minted with the JWK provisioner's key, decrypted with
 *   the password (read now from `--password-file` when it was not read up front).
 * Throws CliError for a missing password, and what the SDK throws (ProvisionerError
 * for no such JWK provisioner, CloudIdentityError, SingleSignOnError, CaError, ...).
 */
export async function provisionerToken(client: CaClient, flags: ProvisionerFlags & CloudIdentityFlags, wanted: TokenWanted): Promise<ProvisionerToken> {
  const all = await client.provisioners();
  const name = flags.provisioner;
  const cloud = name === undefined || wanted.revoke ? undefined : CloudIdentity.inListing(all, client.caUrl, cloudIdentityOptions(name, flags));
  if (cloud) return { ott: await cloud.token(wanted.subject), source: 'platform' };
  if (name !== undefined && all.find((p) => p.name === name)?.type === 'OIDC') return { ott: await logInAtTerminal(singleSignOnSettingsIn(all, name)), source: 'login' };
  const provisioner = await Provisioner.fromListing(client, all, { name }, wanted.password ?? provisionerPassword(flags));
  const expiry = tokenExpiry(wanted.notAfter);
  const ott = wanted.revoke ? await provisioner.revokeToken(wanted.subject, expiry) : await provisioner.token(wanted.subject, { sans: wanted.sans, profile: wanted.profile, ...expiry });
  return { ott, source: 'jwk' };
}
