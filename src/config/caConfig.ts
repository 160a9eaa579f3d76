/** The shape of `config/ca.json` (step-ca's key names), after validation. */

/** Certificate-duration and renewal claims, global or per provisioner (step-ca's names). */
export interface ClaimsConfig {
  readonly minTLSCertDuration?: string;
  readonly maxTLSCertDuration?: string;
  readonly defaultTLSCertDuration?: string;
  readonly disableRenewal?: boolean;
  readonly allowRenewalAfterExpiry?: boolean;
}

/** A public JWK as ca.json stores it (the provisioner's verification key). */
export interface JwkConfig {
  readonly kty: string;
  readonly kid: string;
  readonly alg?: string;
  readonly [member: string]: unknown;
}

export interface ProvisionerConfig {
  readonly type: string;
  readonly name: string;
  readonly key: JwkConfig;
  readonly encryptedKey?: string;
  readonly claims?: ClaimsConfig;
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface DbConfig {
  readonly type: 'sqlite' | 'postgresql';
  readonly dataSource: string;
}

export interface CaConfig {
  /** Root certificate files (ca.json allows one path or a list). */
  readonly root: readonly string[];
  readonly federatedRoots: readonly string[];
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
