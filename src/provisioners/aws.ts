import { createHmac, timingSafeEqual, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import type { AwsProvisionerConfig, ProvisionerConfig } from '../config/caConfig.js';
import { Unauthorized } from '../errors.js';
import { provisionerExtension, ProvisionerTypeCode } from '../pki/extensions.js';
import { AWS_IID_CERTIFICATES } from './awsCertificates.js';
import type { Claims } from './claims.js';
import { instanceSignOptions, instanceTokenUse, noRevokeToken } from './instanceIdentity.js';
import type { DecodedJws } from './jws.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { listedEntry, optionalBoolean, optionalCaBundle, optionalDuration, pemCertificates, ProvisionerConfigError, stringList, type ProvisionerEnvironment } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import { commonNameValidator } from './signOptions.js';
import { audienceMatches, checkRegisteredClaims } from './tokenClaims.js';

/** The issuer (`iss`) of the tokens step's client builds from an instance identity document. */
export const AWS_TOKEN_ISSUER = 'ec2.amazonaws.com';
const SIGN_PATHS = ['/1.0/sign', '/sign'];
const IMDS_VERSIONS = ['v1', 'v2'];

/** The members of an instance identity document fedca reads (AWS's own names). */
export interface InstanceIdentityDocument {
  readonly accountId: string;
  readonly instanceId: string;
  readonly privateIp: string;
  readonly region: string;
  /** When the instance was launched (RFC 3339). */
  readonly pendingTime?: string;
}

/** The instance's private DNS name as EC2 names it: `ip-10-0-0-7.<region>.compute.internal`. */
export const awsPrivateDnsName = (doc: InstanceIdentityDocument): string => `ip-${doc.privateIp.replaceAll('.', '-')}.${doc.region}.compute.internal`;

/** The certificates of `iidRoots` (a PEM file, relative to the home), else AWS's published ones. */
function readIidCertificates(entry: ProvisionerConfig, home: string): X509Certificate[] {
  return pemCertificates(optionalCaBundle(entry, 'iidRoots', home) ?? AWS_IID_CERTIFICATES, 'iidRoots');
}

const base64Member = (value: unknown, name: string): Buffer => {
  if (typeof value !== 'string' || value === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new Unauthorized(`invalid aws token: amazon.${name} is missing or not base64`);
  return Buffer.from(value, 'base64');
};

/**
 * An AWS provisioner (step-ca's): an EC2 instance proves who it is with its instance
 * identity document and AWS's signature of it, carried in a JWT that the signature
 * itself keys (HS256). The document's account must be allowed, the instance young
 * enough (`instanceAge`); under trust on first use (the default) an instance gets one
 * certificate, renewed over mTLS after that.
 */
export class AwsProvisioner implements Provisioner {
  readonly type = 'AWS';
  readonly name: string;
  readonly id: string;
  readonly tokenKey: string;
  /** The account id goes into each certificate's extension; renewals find the provisioner by name. */
  readonly credentialId = '';
  private readonly accounts: readonly string[];
  private readonly disableCustomSANs: boolean;
  private readonly disableTrustOnFirstUse: boolean;
  private readonly instanceAgeMs?: number;
  private readonly certificates: readonly X509Certificate[];

  private readonly config: AwsProvisionerConfig;

  /** Throws ProvisionerConfigError naming a bad key. */
  constructor(
    entry: ProvisionerConfig,
    readonly claims: Claims,
    home: string,
  ) {
    this.name = entry.name;
    this.id = `aws/${entry.name}`;
    this.tokenKey = this.id;
    this.accounts = stringList(entry, 'accounts');
    this.disableCustomSANs = optionalBoolean(entry, 'disableCustomSANs');
    this.disableTrustOnFirstUse = optionalBoolean(entry, 'disableTrustOnFirstUse');
    this.instanceAgeMs = optionalDuration(entry, 'instanceAge');
    const versions = stringList(entry, 'imdsVersions');
    const unknown = versions.find((v) => !IMDS_VERSIONS.includes(v));
    if (unknown !== undefined) throw new ProvisionerConfigError('imdsVersions', `${JSON.stringify(unknown)} is not a supported AWS Instance Metadata Service version (v1, v2)`);
    this.certificates = readIidCertificates(entry, home);
    // Each key it reads was checked above.
    this.config = entry as AwsProvisionerConfig;
  }

  info(): ProvisionerInfo {
    return listedEntry(this.config, ['accounts', 'disableCustomSANs', 'disableTrustOnFirstUse', 'instanceAge', 'imdsVersions', 'iidRoots']);
  }

  /** Whether one of the IID certificates signed the document (SHA256-RSA, as step-ca checks). */
  private signedByAws(document: Buffer, signature: Buffer): boolean {
    return this.certificates.some((c) => {
      try {
        return cryptoVerify('sha256', document, c.publicKey, signature);
      } catch {
        return false;
      }
    });
  }

  /** step-ca's authorizeToken: the HMAC, AWS's signature of the document, its members, times, iss, aud, subject, account, instance age. */
  private verifyToken(token: DecodedJws, context: AuthorizeContext): { doc: InstanceIdentityDocument; sub: string; exp: Date } {
    if (token.header.alg !== 'HS256') throw new Unauthorized('invalid aws token: its algorithm must be HS256 (keyed by the document signature)');
    const amazon = token.claims.amazon;
    if (typeof amazon !== 'object' || amazon === null) throw new Unauthorized('invalid aws token: no amazon claim (document and signature)');
    const { document: documentB64, signature: signatureB64 } = amazon as Record<string, unknown>;
    const document = base64Member(documentB64, 'document');
    const signature = base64Member(signatureB64, 'signature');
    const mac = createHmac('sha256', signature).update(token.signingInput).digest();
    if (mac.length !== token.signature.length || !timingSafeEqual(mac, token.signature)) throw new Unauthorized('invalid aws token: signature verification failed');
    if (!this.signedByAws(document, signature)) throw new Unauthorized('invalid aws token: the identity document is not signed by AWS (iidRoots)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(document.toString('utf8'));
    } catch {
      throw new Unauthorized('invalid aws token: the identity document is not JSON');
    }
    const doc = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    for (const member of ['accountId', 'instanceId', 'privateIp', 'region']) {
      if (typeof doc[member] !== 'string' || doc[member] === '') throw new Unauthorized(`invalid aws token: the identity document's ${member} cannot be empty`);
    }
    const identity = doc as unknown as InstanceIdentityDocument;
    const claims = checkRegisteredClaims(token.claims, context.now, this.claims.maxTokenLifetimeMs);
    if (claims.iss !== AWS_TOKEN_ISSUER) throw new Unauthorized(`invalid aws token: issuer (iss) must be ${AWS_TOKEN_ISSUER}`);
    if (!audienceMatches(claims.aud, context.dnsNames, SIGN_PATHS)) throw new Unauthorized("invalid aws token: audience (aud) is not this CA's sign endpoint");
    if (this.disableCustomSANs && ![identity.instanceId, identity.privateIp, awsPrivateDnsName(identity)].includes(claims.sub)) {
      throw new Unauthorized('invalid aws token: subject (sub) must be the instance id, private IP or private DNS name when custom SANs are disabled');
    }
    if (this.accounts.length > 0 && !this.accounts.includes(identity.accountId)) throw new Unauthorized(`invalid aws token: the account ${identity.accountId} is not allowed`);
    if (this.instanceAgeMs !== undefined && this.instanceAgeMs > 0) {
      const pending = typeof identity.pendingTime === 'string' ? Date.parse(identity.pendingTime) : NaN;
      if (Number.isNaN(pending)) throw new Unauthorized('invalid aws token: the identity document has no valid pendingTime');
      if (context.now.getTime() - pending > this.instanceAgeMs) throw new Unauthorized(`invalid aws token: the instance is older than instanceAge (pendingTime ${identity.pendingTime})`);
    }
    return { doc: identity, sub: claims.sub, exp: claims.exp };
  }

  async authorizeSign(token: DecodedJws, context: AuthorizeContext): Promise<Authorization> {
    const { doc, sub, exp } = this.verifyToken(token, context);
    const extension = provisionerExtension(ProvisionerTypeCode.AWS, this.name, doc.accountId);
    const ownNames = this.disableCustomSANs ? [awsPrivateDnsName(doc), doc.privateIp] : undefined;
    const options = instanceSignOptions(this.claims, extension, ownNames, [commonNameValidator(sub)]);
    return { ...instanceTokenUse(!this.disableTrustOnFirstUse, this.tokenKey, doc.instanceId, token, exp), options };
  }

  authorizeRevoke(_token: DecodedJws, _context: AuthorizeContext): Promise<RevokeAuthorization> {
    return noRevokeToken(this.type);
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds an AWS provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const awsProvisioner = (config: ProvisionerConfig, claims: Claims, environment: ProvisionerEnvironment): AwsProvisioner => new AwsProvisioner(config, claims, environment.home);
