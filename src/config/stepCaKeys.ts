/**
 * The ca.json keys fedca implements, level by level. A step-ca configuration may
 * set others (ssh, kms, templates, SSH claims...): they are named in one warning
 * at start, never silently dropped and never fatal.
 */

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

const CLAIMS = ['minTLSCertDuration', 'maxTLSCertDuration', 'defaultTLSCertDuration', 'disableRenewal', 'allowRenewalAfterExpiry', 'maxTokenLifetime', 'revokeOnRenew'];

/** Implemented keys; a nested table is checked key by key below. */
const TOP = ['root', 'federatedRoots', 'federation', 'rateLimit', 'crt', 'key', 'address', 'dnsNames', 'db', 'authority', 'crl', 'tls', 'logger', 'password', 'insecureAddress'];
const DB = ['type', 'dataSource', 'database'];
const AUTHORITY = ['provisioners', 'claims'];
// JWK's, OIDC's, X5C's, ACME's, AWS's, GCP's, Azure's and K8sSA's own keys (each checked by its provisioner, src/provisioners;
// ACME's allowLoopback and resolvers, GCP's and Azure's configurationEndpoint and caBundle, K8sSA's issuers are fedca's).
const PROVISIONER = [
  'type', 'name', 'key', 'encryptedKey', 'claims', 'options', 'clientID', 'clientSecret', 'configurationEndpoint', 'admins', 'domains', 'groups', 'listenAddress', 'caBundle', 'roots',
  'forceCN', 'requireEAB', 'challenges', 'allowLoopback', 'resolvers',
  'accounts', 'disableCustomSANs', 'disableTrustOnFirstUse', 'instanceAge', 'iidRoots', 'imdsVersions',
  'serviceAccounts', 'projectIDs',
  'tenantID', 'resourceGroups', 'subscriptionIDs', 'objectIDs', 'audience',
  'publicKeys', 'issuers',
];
const OPTIONS = ['profiles', 'groupProfiles'];
const CRL = ['enabled', 'cacheDuration'];

/** A value step ca init writes to mean "nothing": not worth a warning. */
const isEmpty = (v: Json): boolean => v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);

function extra(obj: Json, known: readonly string[], path: string): string[] {
  if (!isObject(obj)) return [];
  return Object.entries(obj)
    .filter(([k, v]) => !known.includes(k) && !isEmpty(v))
    .map(([k]) => (path ? `${path}.${k}` : k));
}

/** Keys of a raw ca.json that fedca does not implement, as dotted paths ("ssh", "authority.claims.enableSSHCA"). */
export function ignoredStepCaKeys(raw: Json): string[] {
  if (!isObject(raw)) return [];
  const out = [...extra(raw, TOP, ''), ...extra(raw.db, DB, 'db'), ...extra(raw.crl, CRL, 'crl')];
  const authority = raw.authority;
  if (isObject(authority)) {
    out.push(...extra(authority, AUTHORITY, 'authority'), ...extra(authority.claims, CLAIMS, 'authority.claims'));
    const provisioners = Array.isArray(authority.provisioners) ? authority.provisioners : [];
    provisioners.forEach((p: Json, i) => {
      const at = `authority.provisioners[${i}]`;
      if (!isObject(p)) return;
      out.push(...extra(p, PROVISIONER, at), ...extra(p.claims, CLAIMS, `${at}.claims`), ...extra(p.options, OPTIONS, `${at}.options`));
    });
  }
  return out;
}
