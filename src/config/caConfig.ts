/** The shape of `config/ca.json` (step-ca's key names), after validation. */

/** Certificate-duration and renewal claims, global or per provisioner (step-ca's names). */
export interface ClaimsConfig {
  readonly minTLSCertDuration?: string;
  readonly maxTLSCertDuration?: string;
  readonly defaultTLSCertDuration?: string;
  readonly disableRenewal?: boolean;
  readonly allowRenewalAfterExpiry?: boolean;
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

export interface DbConfig {
  readonly type: 'sqlite' | 'postgresql';
  readonly dataSource: string;
}

/** A peer CA whose roots this CA fetches and federates with (fedca's extension of step-ca's config). */
export interface PeerConfig {
  /** `https://host[:port]` of the peer CA. */
  readonly url: string;
  /** SHA-256 of the peer's root (64 lower-case hex digits): the first fetch is pinned to it. */
  readonly fingerprint: string;
}

/** `federation`: peers to sync roots from, and how often. */
export interface FederationConfig {
  readonly peers: readonly PeerConfig[];
  /** Go duration between syncs; validated positive. */
  readonly refresh: string;
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
  readonly dnsNames: readonly string[];
  readonly db: DbConfig;
  readonly authority: {
    readonly claims?: ClaimsConfig;
    readonly provisioners: readonly ProvisionerConfig[];
  };
  readonly crl: { readonly enabled: boolean; readonly cacheDuration?: string };
}
