/** The JSON bodies of api.md as a client sends and receives them. */

/** `GET /health`. */
export interface HealthResponse {
  readonly status: string;
}

/** `GET /version`. */
export interface VersionResponse {
  readonly version: string;
  readonly requireClientAuthentication: boolean;
}

/** A public JWK as `/provisioners` lists it. */
export interface PublicJwk {
  readonly kty: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly crv?: string;
  readonly [member: string]: unknown;
}

/** One entry of `GET /provisioners` (step-ca's shape; JWK provisioners carry `key` and `encryptedKey`). */
export interface ProvisionerEntry {
  readonly type: string;
  readonly name: string;
  readonly key?: PublicJwk;
  readonly encryptedKey?: string;
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly options?: Readonly<Record<string, unknown>>;
  /** The type's own keys (OIDC's `clientID`, `configurationEndpoint`, ...). */
  readonly [member: string]: unknown;
}

/** `GET /provisioners`: one page. */
export interface ProvisionerPage {
  readonly provisioners: ProvisionerEntry[];
  readonly nextCursor: string;
}

/**
 * What `CaClient.sign` sends as `POST /sign`. `notBefore`/`notAfter` are RFC 3339
 * times or Go durations relative to now ("1h30m"); a Date is sent as RFC 3339.
 */
export interface SignRequest {
  readonly csrPem: string;
  readonly ott: string;
  readonly notBefore?: string | Date;
  readonly notAfter?: string | Date;
  /**
   * The certificate profile to ask for, sent as `templateData.profile` (step's
   * `--set profile=NAME`): how an OIDC sign request picks one, since the identity
   * provider's token names none. JWK tokens name it in their `profile` claim.
   */
  readonly profile?: string;
}

/** The sign (renew, rekey) response: leaf, issuing intermediate, and the chain leaf first. */
export interface SignResponse {
  readonly crt: string;
  readonly ca: string;
  readonly certChain: string[];
}

/** Why a certificate is revoked: `POST /revoke`'s serial and reason. */
export interface RevokeReason {
  /** The serial number, decimal (as step's API writes serials). */
  readonly serial: string;
  /** RFC 5280 CRLReason: 0-6 or 8-10; default 0 (unspecified). */
  readonly reasonCode?: number;
  /** Free text kept with the revocation. */
  readonly reason?: string;
}

/**
 * What `CaClient.revoke` sends as `POST /revoke`: the serial and reason, and
 * either a revoke token (`ott`, from `Provisioner.revokeToken`) or the
 * certificate itself with its key, presented over mTLS.
 */
export type RevokeRequest = RevokeReason & ({ readonly ott: string } | { readonly certPem: string; readonly keyPem: string });
