/** The shape of `config/ca.json` (step-ca's key names), after validation. */
import type { TlsConfig } from './tls.js';

/** Certificate-duration and renewal claims, global or per provisioner (step-ca's names). */
export interface ClaimsConfig {
  readonly minTLSCertDuration?: string;
  readonly maxTLSCertDuration?: string;
  readonly defaultTLSCertDuration?: string;
  /** Longest lifetime (exp - max(iat, nbf)) of a provisioner's tokens; default 24h. */
  readonly maxTokenLifetime?: string;
  readonly disableRenewal?: boolean;
  readonly allowRenewalAfterExpiry?: boolean;
  /** Revoke a certificate (reason superseded) when its renewal or rekey is issued (fedca's own; default false). */
  readonly revokeOnRenew?: boolean;
}

/**
 * One entry of `authority.provisioners`: the keys every type has. The rest are the
 * type's own (JWK's `key`, OIDC's `clientID`, ...), read and validated by the
 * provisioner of that type (src/provisioners), so a new type touches no config code.
 */
export interface ProvisionerConfig {
  readonly type: string;
  readonly name: string;
  readonly claims?: ClaimsConfig;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** The keys the cloud-identity provisioners share (step-ca's IID provisioners: AWS, GCP, Azure). */
export interface InstanceIdentityConfig extends ProvisionerConfig {
  /** Only the instance's own names as SANs. */
  readonly disableCustomSANs?: boolean;
  /** Let an instance have more than one certificate (each token once). */
  readonly disableTrustOnFirstUse?: boolean;
}

/** An AWS provisioner's entry (step-ca's keys). */
export interface AwsProvisionerConfig extends InstanceIdentityConfig {
  readonly type: 'AWS';
  readonly accounts?: readonly string[];
  /** A Go duration: instances launched longer ago are refused. */
  readonly instanceAge?: string;
  /** A PEM file of the certificates identity documents are signed with; default AWS's published ones. */
  readonly iidRoots?: string;
  /** The metadata-service versions clients use, in order ("v2", "v1"). */
  readonly imdsVersions?: readonly string[];
}

/** A GCP provisioner's entry (step-ca's keys, and fedca's `configurationEndpoint` and `caBundle`). */
export interface GcpProvisionerConfig extends InstanceIdentityConfig {
  readonly type: 'GCP';
  readonly serviceAccounts?: readonly string[];
  readonly projectIDs?: readonly string[];
  readonly instanceAge?: string;
  /** fedca's own: Google's OpenID configuration; default https://accounts.google.com. */
  readonly configurationEndpoint?: string;
  /** fedca's own: a PEM file its HTTPS must chain to. */
  readonly caBundle?: string;
}

/** An Azure provisioner's entry (step-ca's keys, and fedca's `configurationEndpoint` and `caBundle`). */
export interface AzureProvisionerConfig extends InstanceIdentityConfig {
  readonly type: 'Azure';
  readonly tenantID: string;
  readonly resourceGroups?: readonly string[];
  readonly subscriptionIDs?: readonly string[];
  readonly objectIDs?: readonly string[];
  /** The resource the managed identity's token is for; default https://management.azure.com/. */
  readonly audience?: string;
  /** fedca's own: the tenant's OpenID configuration; default https://login.microsoftonline.com/<tenantID>. */
  readonly configurationEndpoint?: string;
  /** fedca's own: a PEM file its HTTPS must chain to. */
  readonly caBundle?: string;
}

/** A K8sSA provisioner's entry (step-ca's keys, and fedca's `issuers`). */
export interface K8sSaProvisionerConfig extends ProvisionerConfig {
  readonly type: 'K8sSA';
  /** The cluster's service-account public keys: PEM, base64 of PEM (as step-ca writes it), or a file. */
  readonly publicKeys: string;
  /** fedca's own: issuers of projected tokens accepted besides kubernetes/serviceaccount. */
  readonly issuers?: readonly string[];
}

/** `db` (step-ca's key): the store. */
export interface DbConfig {
  readonly type: 'sqlite' | 'postgresql';
  /** SQLite: a file (relative to the home) or ':memory:'; PostgreSQL: a `postgresql://` URL. */
  readonly dataSource: string;
  /** PostgreSQL: the database, overriding the URL's (step-ca's `db.database`). */
  readonly database?: string;
  /** PostgreSQL: a file whose first line is the password, when the URL has none (fedca's own key). */
  readonly passwordFile?: string;
}

/** A peer CA whose roots this CA fetches and federates with (fedca's extension of step-ca's config). */
export interface PeerConfig {
  /** `https://host[:port]` of the peer CA. */
  readonly url: string;
  /** SHA-256 of the peer's root (64 lower-case hex digits): the first fetch is pinned to it. */
  readonly fingerprint: string;
  /** The most roots this peer may list; default `federation.maxRoots`. */
  readonly maxRoots?: number;
}

/** `federation`: peers to sync roots from, and how often. */
export interface FederationConfig {
  readonly peers: readonly PeerConfig[];
  /** Go duration between syncs; validated positive. */
  readonly refresh: string;
  /** The most roots taken from a peer (an answer with more is refused). */
  readonly maxRoots: number;
  /** The largest `/roots` answer read from a peer, in bytes. */
  readonly maxBytes: number;
  /** Go duration: the deadline of one whole fetch from a peer. */
  readonly timeout: string;
}

/** One family of token buckets: each key (a client address, a provisioner) may make `requests` per `per`, `burst` at once. */
export interface BucketConfig {
  readonly requests: number;
  /** Go duration the `requests` are spread over ("1m"). */
  readonly per: string;
  /** The bucket's size: requests allowed back to back after a quiet spell; default `requests`. */
  readonly burst: number;
}

/** `rateLimit` (fedca's own; off when absent): 429 with Retry-After past a bucket, across the workers of one `fedca start`. */
export interface RateLimitConfig {
  /** Every request but `/health`, by the client's IP address. */
  readonly perAddress?: BucketConfig;
  /** Signs and token revocations, by the provisioner of the (valid) token. */
  readonly perProvisioner?: BucketConfig;
}

export interface CaConfig {
  /** Root certificate files (ca.json allows one path or a list). */
  readonly root: readonly string[];
  readonly federatedRoots: readonly string[];
  /** Peers whose roots join the federation; `{peers: [], refresh: "1h"}` when ca.json has none. */
  readonly federation: FederationConfig;
  readonly crt: string;
  readonly key: string;
  readonly address: string;
  /** A plain-HTTP listener serving only the CRL, OCSP, roots.pem and intermediates.pem (step-ca's key); issued certificates then point there. */
  readonly insecureAddress?: string;
  /** Where Prometheus metrics are served over plain HTTP (`GET /metrics`), as step-ca names it; none when absent. */
  readonly metricsAddress?: string;
  readonly dnsNames: readonly string[];
  readonly db: DbConfig;
  readonly authority: {
    readonly claims?: ClaimsConfig;
    readonly provisioners: readonly ProvisionerConfig[];
  };
  readonly crl: { readonly enabled: boolean; readonly cacheDuration?: string };
  /** The `tls` block, or fedca's defaults. */
  readonly tls: TlsConfig;
  /** step-ca's `password` key: the password of the intermediate key, when the file holds it. */
  readonly password?: string;
  /** Keys step-ca reads that fedca does not implement: named in one warning at start. */
  readonly ignored: readonly string[];
  /** Rate limits; undefined (the default) limits nothing. */
  readonly rateLimit?: RateLimitConfig;
}
