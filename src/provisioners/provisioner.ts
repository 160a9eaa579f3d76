import type { ClaimsConfig } from '../config/caConfig.js';

/** What `/provisioners` lists for one provisioner (step-ca's JSON shape). */
export interface ProvisionerInfo {
  readonly type: string;
  readonly name: string;
  readonly key?: Readonly<Record<string, unknown>>;
  readonly encryptedKey?: string;
  readonly claims?: ClaimsConfig;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** One provisioner: a way to authorise certificate requests. Each type is one file here. */
export interface Provisioner {
  readonly type: string;
  readonly name: string;
  /** Stable id used for ordering and paging (step-ca's `name:kid` for JWK). */
  readonly id: string;
  /** The key id clients look the provisioner up by, when it has one. */
  readonly kid?: string;
  /** The private key as a password-encrypted JWE, for clients to mint tokens with. */
  readonly encryptedKey?: string;
  /** The public JSON object of api.md. */
  info(): ProvisionerInfo;
}
