import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { ProvisionerConfig } from '../config/caConfig.js';
import { BadRequest, Unauthorized } from '../errors.js';
import { checkCommonName, encodableSans, NameError } from '../pki/nameEncoding.js';
import { classifySans, provisionerExtension, ProvisionerTypeCode } from '../pki/extensions.js';
import { allowedProfiles, profileOptions, type ProfileName } from './certificateProfiles.js';
import type { Claims } from './claims.js';
import type { DecodedJws } from './jws.js';
import { verifyJws } from './jws.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { ProvisionerConfigError, type ProvisionerEnvironment } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import {
  commonNameValidator,
  durationValidator,
  extensionModifier,
  publicKeyValidator,
  sansValidator,
  subjectModifier,
  validityModifier,
  validityValidator,
  type SignOption,
} from './signOptions.js';
import { audienceMatches, checkRegisteredClaims, type TokenClaims } from './tokenClaims.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';

/** A public JWK as ca.json stores it (the provisioner's verification key). */
export interface JwkConfig {
  readonly kty: string;
  readonly kid: string;
  readonly alg?: string;
  readonly [member: string]: unknown;
}

/** A JWK provisioner's entry in ca.json. */
export interface JwkProvisionerConfig extends ProvisionerConfig {
  readonly type: 'JWK';
  readonly key: JwkConfig;
  readonly encryptedKey?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a JWK entry's own keys: a public `key` with kty and kid, `encryptedKey` a compact JWE. */
function readJwkConfig(config: ProvisionerConfig): JwkProvisionerConfig {
  const key = config.key;
  if (!isObject(key)) throw new ProvisionerConfigError('key', 'must be a public JWK object');
  for (const member of ['kty', 'kid']) {
    if (typeof key[member] !== 'string' || key[member] === '') throw new ProvisionerConfigError(`key.${member}`, key[member] === undefined ? 'is required' : 'must be a non-empty string');
  }
  if ('d' in key) throw new ProvisionerConfigError('key', 'must be a public key (it has a private part "d")');
  const encryptedKey = config.encryptedKey;
  if (encryptedKey !== undefined && (typeof encryptedKey !== 'string' || encryptedKey.split('.').length !== 5)) throw new ProvisionerConfigError('encryptedKey', 'must be a JWE in compact form');
  return config as JwkProvisionerConfig;
}

const SIGN_PATHS = ['/1.0/sign', '/sign'];

/** Runs a name check of pki: a name the certificate cannot carry is the request's fault (400, naming the character). */
function certificateNames<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof NameError) throw new BadRequest(err.message);
    throw err;
  }
}
const REVOKE_PATHS = ['/1.0/revoke', '/revoke'];

/**
 * The id under which a JWK token is burnt: step-ca's provisioner id (`name:kid`)
 * and the token's `jti`, so that two provisioners' ids never collide.
 */
export const jwkTokenId = (name: string, kid: string, jti: string): string => `${name}:${kid}:${jti}`;

/** A JWK provisioner: tokens are JWTs signed by its key (api.md "One-time tokens"). */
export class JwkProvisioner implements Provisioner {
  readonly type = 'JWK';
  readonly name: string;
  readonly id: string;
  readonly kid: string;
  readonly tokenKey: string;
  readonly credentialId: string;
  readonly encryptedKey?: string;
  private readonly key: KeyObject;
  private readonly extension: Buffer;
  private readonly profiles: ReadonlySet<ProfileName>;
  private readonly config: JwkProvisionerConfig;

  /** Throws ProvisionerConfigError when the configured key is not a usable public JWK, ProfileListError when `options.profiles` is not a list of profiles. */
  constructor(
    entry: ProvisionerConfig,
    readonly claims: Claims,
  ) {
    const config = readJwkConfig(entry);
    this.config = config;
    this.name = config.name;
    this.kid = config.key.kid;
    this.tokenKey = this.kid;
    this.credentialId = this.kid;
    this.id = `${config.name}:${config.key.kid}`;
    this.encryptedKey = config.encryptedKey;
    try {
      this.key = createPublicKey({ key: { ...config.key } as JsonWebKey, format: 'jwk' });
    } catch (err) {
      throw new ProvisionerConfigError('key', `not a usable public JWK (${(err as Error).message})`);
    }
    this.extension = provisionerExtension(ProvisionerTypeCode.JWK, this.name, this.kid);
    this.profiles = allowedProfiles(config.options);
  }

  info(): ProvisionerInfo {
    const { type, name, key, encryptedKey, claims, options } = this.config;
    return { type, name, key, ...(encryptedKey ? { encryptedKey } : {}), ...(claims ? { claims } : {}), ...(options ? { options } : {}) };
  }

  /** The checks every token of this provisioner passes: signature, times, iss, aud, sha. */
  private verifyToken(token: DecodedJws, context: AuthorizeContext, paths: readonly string[], endpoint: string): TokenClaims {
    if (!verifyJws(token, this.key)) throw new Unauthorized('invalid token: signature verification failed');
    const claims = checkRegisteredClaims(token.claims, context.now, this.claims.maxTokenLifetimeMs);
    if (claims.iss !== this.name) throw new Unauthorized('invalid token: issuer (iss) does not name the provisioner');
    if (!audienceMatches(claims.aud, context.dnsNames, paths)) throw new Unauthorized(`invalid token: audience (aud) is not this CA's ${endpoint} endpoint`);
    const sha = claims.raw.sha;
    if (sha !== undefined && (typeof sha !== 'string' || !context.rootFingerprints.has(sha.toLowerCase()))) {
      throw new Unauthorized('invalid token: sha does not match a root of this CA');
    }
    return claims;
  }

  async authorizeRevoke(token: DecodedJws, context: AuthorizeContext): Promise<RevokeAuthorization> {
    const claims = this.verifyToken(token, context, REVOKE_PATHS, 'revoke');
    return { tokenId: jwkTokenId(this.name, this.kid, claims.jti), tokenExpiresAt: claims.exp, serial: claims.sub };
  }

  async authorizeSign(token: DecodedJws, context: AuthorizeContext): Promise<Authorization> {
    const claims = this.verifyToken(token, context, SIGN_PATHS, 'sign');
    const sansClaim = claims.raw.sans;
    if (sansClaim !== undefined && (!Array.isArray(sansClaim) || sansClaim.some((s) => typeof s !== 'string' || s === ''))) {
      throw new Unauthorized('invalid token: sans must be a list of names');
    }
    // Classified and put in the form RFC 5280 requires once: the subject modifier and the SAN validator both use it.
    const sans = certificateNames(() => encodableSans(classifySans(sansClaim === undefined || sansClaim.length === 0 ? [claims.sub] : (sansClaim as string[]))));
    certificateNames(() => checkCommonName(claims.sub));
    const profile = claims.raw.profile;
    if (profile !== undefined && typeof profile !== 'string') throw new Unauthorized('invalid token: profile must be a string');
    const options: SignOption[] = [
      subjectModifier(claims.sub, sans),
      validityModifier(this.claims.defaultTLSCertDurationMs, BACKDATE_MS),
      extensionModifier(this.extension),
      commonNameValidator(claims.sub),
      sansValidator(sans),
      // Before the general key rule, so that a key a profile refuses is refused with the profile's reason.
      ...profileOptions(profile, this.profiles, this.name),
      publicKeyValidator(),
      validityValidator(),
      durationValidator(this.claims.minTLSCertDurationMs, this.claims.maxTLSCertDurationMs),
    ];
    return { tokenId: jwkTokenId(this.name, this.kid, claims.jti), tokenExpiresAt: claims.exp, options };
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds a JWK provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const jwkProvisioner = (config: ProvisionerConfig, claims: Claims, _environment: ProvisionerEnvironment): JwkProvisioner => new JwkProvisioner(config, claims);
