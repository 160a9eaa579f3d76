import { BadRequest, Forbidden, ProfileListError } from '../errors.js';
import { OID } from '../pki/oids.js';
import { awsKeyValidator, commonNameRequiredValidator, dnsNameValidator, extKeyUsageModifier, keyUsageModifier, type SignOption } from './signOptions.js';

/**
 * Certificate profiles: what a leaf is for. A sign token picks one with its
 * `profile` claim (absent: `default`); a provisioner lists the ones it allows in
 * `options.profiles` (absent: all of them, since the default profile's
 * serverAuth + clientAuth already covers what the others narrow down).
 */
export const PROFILE_NAMES = ['default', 'openvpn-server', 'openvpn-client', 'aws-client-vpn-server', 'aws-client-vpn-client'] as const;

/** One of the certificate profiles fedca issues. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The profile a token gets when it names none. */
export const DEFAULT_PROFILE: ProfileName = 'default';

/** True for the name of a profile fedca issues. */
export const isProfileName = (name: string): name is ProfileName => (PROFILE_NAMES as readonly string[]).includes(name);

const TLS_SERVER_KEY_USAGES = keyUsageModifier(['digitalSignature', 'keyEncipherment']);
const TLS_CLIENT_KEY_USAGES = keyUsageModifier(['digitalSignature']);
const SERVER_AUTH = extKeyUsageModifier([OID.serverAuth]);
const CLIENT_AUTH = extKeyUsageModifier([OID.clientAuth]);

/**
 * The sign options of each profile. OpenVPN's `remote-cert-tls server|client`
 * checks that a key usage is present and the EKU is serverAuth / clientAuth (as
 * easy-rsa's server and client types make them); AWS Client VPN takes RSA
 * 1024/2048 keys only and a CN in the subject (fedca issues RSA 2048), and its
 * server certificate (imported into ACM) names the endpoint's domain in its SANs.
 */
const PROFILE_OPTIONS: Record<ProfileName, readonly SignOption[]> = {
  default: [],
  'openvpn-server': [TLS_SERVER_KEY_USAGES, SERVER_AUTH],
  'openvpn-client': [TLS_CLIENT_KEY_USAGES, CLIENT_AUTH],
  'aws-client-vpn-server': [
    TLS_SERVER_KEY_USAGES,
    SERVER_AUTH,
    awsKeyValidator('the aws-client-vpn-server profile'),
    commonNameRequiredValidator('the aws-client-vpn-server profile'),
    dnsNameValidator('the aws-client-vpn-server profile'),
  ],
  'aws-client-vpn-client': [
    TLS_CLIENT_KEY_USAGES,
    CLIENT_AUTH,
    awsKeyValidator('the aws-client-vpn-client profile'),
    commonNameRequiredValidator('the aws-client-vpn-client profile'),
  ],
};

/**
 * The profiles a provisioner allows, from its `options.profiles` (absent: all).
 * Throws ProfileListError naming the first unknown profile.
 */
export function allowedProfiles(options: Readonly<Record<string, unknown>> | undefined): ReadonlySet<ProfileName> {
  const listed = options?.profiles;
  if (listed === undefined) return new Set(PROFILE_NAMES);
  if (!Array.isArray(listed) || listed.length === 0) throw new ProfileListError('must be a non-empty list of profile names');
  for (const name of listed) {
    if (typeof name !== 'string' || !isProfileName(name)) throw new ProfileListError(`unknown profile ${JSON.stringify(name)} (known: ${PROFILE_NAMES.join(', ')})`);
  }
  return new Set(listed as ProfileName[]);
}

/**
 * The sign options of the profile a token's `profile` claim names (undefined: the
 * default profile), if `allowed` has it. Throws BadRequest for an unknown profile,
 * Forbidden for one the provisioner does not allow.
 */
export function profileOptions(claim: string | undefined, allowed: ReadonlySet<ProfileName>, provisioner: string): readonly SignOption[] {
  const name = claim ?? DEFAULT_PROFILE;
  if (!isProfileName(name)) throw new BadRequest(`unknown certificate profile ${JSON.stringify(name)} (known: ${PROFILE_NAMES.join(', ')})`);
  if (!allowed.has(name)) throw new Forbidden(`the provisioner "${provisioner}" does not allow the ${name} profile (allowed: ${[...allowed].join(', ')})`);
  return PROFILE_OPTIONS[name];
}
