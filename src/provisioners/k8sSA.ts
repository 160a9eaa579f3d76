import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { K8sSaProvisionerConfig, ProvisionerConfig } from '../config/caConfig.js';
import { Unauthorized } from '../errors.js';
import { provisionerExtension, ProvisionerTypeCode } from '../pki/extensions.js';
import type { Claims } from './claims.js';
import { instanceSignOptions, NEVER_FORGOTTEN, noRevokeToken, wholeTokenId } from './instanceIdentity.js';
import { verifyJws, type DecodedJws } from './jws.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { pemOrFile, ProvisionerConfigError, stringList, type ProvisionerEnvironment } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import { LEEWAY_MS } from './tokenClaims.js';

/** The issuer (`iss`) of Kubernetes' service-account token secrets. */
export const K8S_SA_ISSUER = 'kubernetes/serviceaccount';
/** step-ca's id of the (one) K8sSA provisioner: what its tokens are found by. */
export const K8S_SA_ID = 'k8ssa/k8sSA-default';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The cluster's service-account verification keys: step-ca writes the PEM
 * base64-encoded (Go's []byte in JSON); fedca also takes the PEM itself, or a file
 * (relative to the home). PUBLIC KEY, RSA PUBLIC KEY and CERTIFICATE blocks.
 */
function readPublicKeys(config: ProvisionerConfig, home: string): KeyObject[] {
  const pem = pemOrFile(config, 'publicKeys', home, '-----BEGIN ', 'PEM public keys');
  const keys: KeyObject[] = [];
  for (const [block, label] of pem.matchAll(PEM_BLOCK)) {
    try {
      keys.push(label === 'CERTIFICATE' ? new X509Certificate(block).publicKey : createPublicKey(block));
    } catch {
      throw new ProvisionerConfigError('publicKeys', `holds a malformed ${label} block`);
    }
  }
  if (keys.length === 0) throw new ProvisionerConfigError('publicKeys', 'holds no PEM public key');
  const odd = keys.find((k) => !['rsa', 'ec', 'ed25519'].includes(k.asymmetricKeyType ?? ''));
  if (odd) throw new ProvisionerConfigError('publicKeys', `holds a ${odd.asymmetricKeyType} key (RSA, ECDSA or Ed25519 only)`);
  return keys;
}

/** A NumericDate claim in milliseconds, undefined when absent; Unauthorized when it is not a number. */
function timeClaim(claims: Readonly<Record<string, unknown>>, name: 'exp' | 'nbf'): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Unauthorized(`invalid k8sSA token: ${name} is not a valid time`);
  return v * 1000;
}

/**
 * A Kubernetes service-account provisioner (step-ca's K8sSA): a pod proves who it is
 * with its service-account token, signed by one of the cluster's `publicKeys`; the
 * certificate takes the CSR's subject and SANs (step-ca's admin template). Tokens of
 * `kubernetes/serviceaccount` (token secrets) are accepted, and beyond step-ca
 * projected tokens of the issuers fedca's own key `issuers` lists. A token serves
 * once (until it expires; a token without exp, for ever): a pod then renews over mTLS.
 */
export class K8sSaProvisioner implements Provisioner {
  readonly type = 'K8sSA';
  readonly name: string;
  readonly id = K8S_SA_ID;
  readonly tokenKey = K8S_SA_ID;
  readonly credentialId = '';
  readonly tokenIssuers: readonly string[];
  private readonly keys: readonly KeyObject[];
  private readonly extension: Buffer;

  /** Throws ProvisionerConfigError naming a bad key. */
  private readonly config: K8sSaProvisionerConfig;

  constructor(
    entry: ProvisionerConfig,
    readonly claims: Claims,
    home: string,
  ) {
    this.name = entry.name;
    this.keys = readPublicKeys(entry, home);
    this.tokenIssuers = [K8S_SA_ISSUER, ...stringList(entry, 'issuers')];
    this.extension = provisionerExtension(ProvisionerTypeCode.K8sSA, this.name, '');
    // Each key it reads was checked above.
    this.config = entry as K8sSaProvisionerConfig;
  }

  info(): ProvisionerInfo {
    const { type, name, publicKeys, claims, options } = this.config;
    return { type, name, publicKeys, ...(claims ? { claims } : {}), ...(options ? { options } : {}) };
  }

  /** step-ca's authorizeToken: one of the cluster's keys signed it, its issuer, times with a minute of leeway, a subject. */
  private verifyToken(token: DecodedJws, now: Date): { expiresAt: Date } {
    if (!this.keys.some((k) => verifyJws(token, k))) throw new Unauthorized("invalid k8sSA token: not signed by one of the cluster's service-account keys (publicKeys)");
    const claims = token.claims;
    if (typeof claims.iss !== 'string' || !this.tokenIssuers.includes(claims.iss)) throw new Unauthorized(`invalid k8sSA token: issuer (iss) must be one of ${JSON.stringify(this.tokenIssuers)}`);
    const exp = timeClaim(claims, 'exp');
    const nbf = timeClaim(claims, 'nbf');
    if (exp !== undefined && exp + LEEWAY_MS < now.getTime()) throw new Unauthorized('token expired');
    if (nbf !== undefined && nbf - LEEWAY_MS > now.getTime()) throw new Unauthorized('token not yet valid (nbf)');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new Unauthorized('invalid k8sSA token: subject (sub) cannot be empty');
    return { expiresAt: exp === undefined ? NEVER_FORGOTTEN : new Date(exp + LEEWAY_MS) };
  }

  async authorizeSign(token: DecodedJws, context: AuthorizeContext): Promise<Authorization> {
    const { expiresAt } = this.verifyToken(token, context.now);
    return { tokenId: wholeTokenId(token), tokenExpiresAt: expiresAt, options: instanceSignOptions(this.claims, this.extension, undefined, []) };
  }

  authorizeRevoke(_token: DecodedJws, _context: AuthorizeContext): Promise<RevokeAuthorization> {
    return noRevokeToken(this.type);
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds a K8sSA provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const k8sSaProvisioner = (config: ProvisionerConfig, claims: Claims, environment: ProvisionerEnvironment): K8sSaProvisioner => new K8sSaProvisioner(config, claims, environment.home);
