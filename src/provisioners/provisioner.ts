import type { ClaimsConfig } from '../config/caConfig.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import type { Claims } from './claims.js';
import type { DecodedJws } from './jws.js';
import type { SignOption } from './signOptions.js';

/** What `/provisioners` lists for one provisioner (step-ca's JSON shape: the type's own keys besides these). */
export interface ProvisionerInfo {
  readonly type: string;
  readonly name: string;
  readonly key?: Readonly<Record<string, unknown>>;
  readonly encryptedKey?: string;
  readonly claims?: ClaimsConfig;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly [member: string]: unknown;
}

/** What the authority tells a provisioner about itself when a token arrives. */
export interface AuthorizeContext {
  /** Host names (dnsNames) the CA answers on: token audiences must name one. */
  readonly dnsNames: readonly string[];
  /** SHA-256 fingerprints (lower-case hex) of the CA's roots, for the `sha` claim. */
  readonly rootFingerprints: ReadonlySet<string>;
  readonly now: Date;
  /** Whether a certificate (DER) this CA issued is revoked; false for certificates of other CAs. */
  readonly isRevoked: (certificate: Buffer) => Promise<boolean>;
  /**
   * The certificate profile the sign request's `templateData.profile` names (step's
   * `--set profile=NAME`): how people pick one when the token is an identity
   * provider's, which carries no fedca claims. JWK and X5C tokens name it in `profile`.
   */
  readonly requestedProfile?: string;
}

/** A token a provisioner accepted: its options, and the id to burn before issuing. */
export interface Authorization {
  /** Unique id of the token in the store (provisioner-scoped). */
  readonly tokenId: string;
  /** After this the token is refused anyway, so its id may be forgotten. */
  readonly tokenExpiresAt: Date;
  readonly options: readonly SignOption[];
  /** The identity provider's groups that allowed it, recorded with the certificate for auditors (OIDC). */
  readonly groups?: readonly string[];
}

/** A revoke token a provisioner accepted: the serial it names and the id to burn. */
export interface RevokeAuthorization {
  readonly tokenId: string;
  readonly tokenExpiresAt: Date;
  /**
   * Decimal serial of the certificate the token is bound to (the token's `sub`), or
   * undefined when it may revoke any certificate (an OIDC administrator's token).
   */
  readonly serial?: string;
}

/** A certificate of this CA asked to be renewed or rekeyed, with the renew token when one came (Authorization: Bearer). */
export interface RenewRequest {
  /** Already checked to be issued by this CA's intermediate. */
  readonly certificate: ParsedCertificate;
  /** A renew token whose x5c leaf is `certificate`; its signature and claims are still to check. */
  readonly token?: DecodedJws;
}

/** A renewal a provisioner allowed: the renew token to burn, when one came. */
export interface RenewAuthorization {
  /** The token's store id and when it expires anyway. */
  readonly token?: { readonly id: string; readonly expiresAt: Date };
  /** Revoke the renewed certificate as superseded once its successor is stored (claim `revokeOnRenew`). */
  readonly revokePredecessor?: boolean;
}

/** What decides whether a certificate may be renewed: the provisioner that authorised it, or the CA's claims for one naming none. */
export interface RenewAuthorizer {
  /** Recorded with the successor ("" for certificates that name no provisioner). */
  readonly name: string;
  /** Checks the renewal rules (and the renew token, when one came). Throws Unauthorized or Forbidden. */
  authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization>;
}

/**
 * One provisioner: a way to authorise certificate requests (step-ca's interface).
 * Each type is one file here, registered in fromConfig.ts; the authority finds it
 * with the ProvisionerCollection and applies what it returns.
 */
export interface Provisioner extends RenewAuthorizer {
  readonly type: string;
  readonly name: string;
  /** Stable id used for ordering and paging (step-ca's `name:kid` for JWK). */
  readonly id: string;
  /** What tokens find it by (step-ca's GetIDForToken): JWK its key id, X5C `x5c/NAME`, OIDC its client id. */
  readonly tokenKey: string;
  /** Issuers (`iss`) whose tokens are this provisioner's, for tokens that name it no other way (K8sSA). */
  readonly tokenIssuers?: readonly string[];
  /** step-ca's credential id in the provisioner extension of the certificates it authorised ("" when none). */
  readonly credentialId: string;
  /** The key id whose encrypted private key `/provisioners/{kid}/encrypted-key` serves, when the type has one. */
  readonly kid?: string;
  /** The private key as a password-encrypted JWE, for clients to mint tokens with. */
  readonly encryptedKey?: string;
  /** Duration and renewal rules in force for certificates it authorised. */
  readonly claims: Claims;
  /** The public JSON object of api.md. */
  info(): ProvisionerInfo;
  /** Checks a sign token; returns the sign options. Throws Unauthorized when the token is bad, Forbidden when it asks for what is not allowed. */
  authorizeSign(token: DecodedJws, context: AuthorizeContext): Promise<Authorization>;
  /** Checks a revoke token. Throws Unauthorized when the token is bad. */
  authorizeRevoke(token: DecodedJws, context: AuthorizeContext): Promise<RevokeAuthorization>;
}
