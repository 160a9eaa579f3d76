import type { ClaimsConfig } from '../config/caConfig.js';
import type { Claims } from './claims.js';
import type { DecodedJws } from './jws.js';
import type { SignOption } from './signOptions.js';

/** What `/provisioners` lists for one provisioner (step-ca's JSON shape). */
export interface ProvisionerInfo {
  readonly type: string;
  readonly name: string;
  readonly key?: Readonly<Record<string, unknown>>;
  readonly encryptedKey?: string;
  readonly claims?: ClaimsConfig;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** What the authority tells a provisioner about itself when a token arrives. */
export interface AuthorizeContext {
  /** Host names (dnsNames) the CA answers on: token audiences must name one. */
  readonly dnsNames: readonly string[];
  /** SHA-256 fingerprints (lower-case hex) of the CA's roots, for the `sha` claim. */
  readonly rootFingerprints: ReadonlySet<string>;
  readonly now: Date;
}

/** A token a provisioner accepted: its options, and the id to burn before issuing. */
export interface Authorization {
  /** Unique id of the token in the store (provisioner-scoped jti). */
  readonly tokenId: string;
  /** After this the token is refused anyway, so its id may be forgotten. */
  readonly tokenExpiresAt: Date;
  readonly options: readonly SignOption[];
}

/** A revoke token a provisioner accepted: the serial it names and the id to burn. */
export interface RevokeAuthorization {
  readonly tokenId: string;
  readonly tokenExpiresAt: Date;
  /** Decimal serial of the certificate to revoke (the token's `sub`). */
  readonly serial: string;
}

/** One provisioner: a way to authorise certificate requests. Each type is one file here. */
export interface Provisioner {
  readonly type: string;
  readonly name: string;
  /** Stable id used for ordering and paging (step-ca's `name:kid` for JWK). */
  readonly id: string;
  /** The key id tokens name in their header, when the type has one. */
  readonly kid?: string;
  /** The private key as a password-encrypted JWE, for clients to mint tokens with. */
  readonly encryptedKey?: string;
  /** Duration and renewal rules in force for certificates it authorised. */
  readonly claims: Claims;
  /** The public JSON object of api.md. */
  info(): ProvisionerInfo;
  /** Checks a sign token; returns the sign options. Throws Unauthorized when the token is bad. */
  authorizeSign(token: DecodedJws, context: AuthorizeContext): Authorization;
  /** Checks a revoke token (audience …/revoke, sub = serial). Throws Unauthorized when the token is bad. */
  authorizeRevoke(token: DecodedJws, context: AuthorizeContext): RevokeAuthorization;
}
