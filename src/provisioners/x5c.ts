import { X509Certificate } from 'node:crypto';
import { readExtKeyUsage, readGeneralNames, readKeyUsage } from '../pki/extensionReaders.js';
import type { ProvisionerConfig } from '../config/caConfig.js';
import { Forbidden, Unauthorized } from '../errors.js';
import { parseCertificate } from '../pki/certificate.js';
import { ChainError, verifyChain } from '../pki/chain.js';
import { classifySans, provisionerExtension, ProvisionerTypeCode, type SubjectAltNames } from '../pki/extensions.js';
import { canonicalIp } from '../pki/ip.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';
import { commonNameOf } from '../pki/name.js';
import { OID } from '../pki/oids.js';
import { allowedProfiles, profileOptions, type ProfileName } from './certificateProfiles.js';
import type { Claims } from './claims.js';
import { verifyJws, type DecodedJws } from './jws.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { pemCertificates, pemOrFile, ProvisionerConfigError, type ProvisionerEnvironment } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import {
  commonNameValidator,
  durationValidator,
  extensionModifier,
  notAfterLimitModifier,
  publicKeyValidator,
  sansValidator,
  subjectModifier,
  validityModifier,
  type SignOption,
} from './signOptions.js';
import { audienceMatches, checkRegisteredClaims, type TokenClaims } from './tokenClaims.js';

const SIGN_PATHS = ['/1.0/sign', '/sign'];
const REVOKE_PATHS = ['/1.0/revoke', '/revoke'];
const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/**
 * The roots of an X5C entry: step-ca writes the PEM bundle base64-encoded (Go's
 * []byte in JSON); fedca also takes the PEM itself, or a file (relative to the home).
 */
function readRoots(config: ProvisionerConfig, home: string): X509Certificate[] {
  const pem = pemOrFile(config, 'roots', home, PEM_CERTIFICATE, 'a PEM bundle');
  const roots = pemCertificates(pem, 'roots');
  if (!roots.every((r) => r.ca)) throw new ProvisionerConfigError('roots', 'holds a certificate that is not a CA');
  return roots;
}

/** Every name a certificate vouches for: its common name and SANs, compared as sansValidator compares them. */
function namesOf(leaf: X509Certificate): Set<string> {
  const names = new Set<string>();
  const parsed = parseCertificate(Buffer.from(leaf.raw));
  const cn = commonNameOf(parsed.subject);
  const san = parsed.extensions.find((e) => e.id === OID.subjectAltName);
  const listed = san ? readGeneralNames(san.value).filter((n) => n.type !== 'other').map((n) => n.value) : [];
  const sans = classifySans(cn === '' ? listed : [cn, ...listed]);
  for (const n of normalised(sans)) names.add(n);
  return names;
}

const normalised = (sans: SubjectAltNames): string[] => [...sans.dns.map((n) => n.toLowerCase()), ...sans.ips.map(canonicalIp), ...sans.emails, ...sans.uris];

/** step-ca's conditions on the leaf: EKU allowing client authentication, key usage digitalSignature. */
function checkLeafUsage(leaf: X509Certificate): void {
  const { extensions } = parseCertificate(Buffer.from(leaf.raw));
  const eku = extensions.find((e) => e.id === OID.extKeyUsage);
  if (eku && !readExtKeyUsage(eku.value).some((u) => u === OID.clientAuth || u === '2.5.29.37.0')) {
    throw new Unauthorized('invalid x5c token: the certificate that signed it is not for client authentication (extended key usage)');
  }
  const ku = extensions.find((e) => e.id === OID.keyUsage);
  if (!ku || !readKeyUsage(ku.value).includes('digitalSignature')) {
    throw new Unauthorized('invalid x5c token: the certificate that signed it cannot be used for digital signature (key usage)');
  }
}

/**
 * An X5C provisioner (step-ca's): a token signed by a certificate's key, with its
 * chain in the `x5c` header chaining to `roots`, authorises a certificate for names
 * that certificate holds, expiring no later than it. With a federated CA's root in
 * `roots`, a workload of the other CA enrols here with the certificate it has.
 */
export class X5cProvisioner implements Provisioner {
  readonly type = 'X5C';
  readonly name: string;
  readonly id: string;
  readonly tokenKey: string;
  readonly credentialId = '';
  private readonly roots: readonly X509Certificate[];
  private readonly extension: Buffer;
  private readonly profiles: ReadonlySet<ProfileName>;

  /** Throws ProvisionerConfigError when `roots` holds no CA certificate. */
  constructor(
    private readonly config: ProvisionerConfig,
    readonly claims: Claims,
    home: string,
  ) {
    this.name = config.name;
    this.id = `x5c/${config.name}`;
    this.tokenKey = this.id;
    this.roots = readRoots(config, home);
    this.extension = provisionerExtension(ProvisionerTypeCode.X5C, this.name, this.credentialId);
    this.profiles = allowedProfiles(config.options);
  }

  info(): ProvisionerInfo {
    const { type, name, roots, claims, options } = this.config;
    return { type, name, roots, ...(claims ? { claims } : {}), ...(options ? { options } : {}) };
  }

  /** The checks every x5c token passes: chain to a root, leaf usage and not revoked here, signature, times, iss, aud. */
  private async verifyToken(token: DecodedJws, context: AuthorizeContext, paths: readonly string[], endpoint: string): Promise<{ claims: TokenClaims; leaf: X509Certificate }> {
    const x5c = token.header.x5c;
    if (!x5c || x5c.length === 0) throw new Unauthorized('invalid x5c token: no certificate chain (x5c) in its header');
    let chain: X509Certificate[];
    try {
      chain = x5c.map((b64) => new X509Certificate(Buffer.from(b64, 'base64')));
    } catch {
      throw new Unauthorized('invalid x5c token: its x5c header holds a malformed certificate');
    }
    try {
      verifyChain(chain, this.roots, context.now);
    } catch (err) {
      if (err instanceof ChainError) throw new Unauthorized(`invalid x5c token: its certificate chain does not verify: ${err.message}`);
      throw err;
    }
    const leaf = chain[0];
    checkLeafUsage(leaf);
    if (!verifyJws(token, leaf.publicKey)) throw new Unauthorized('invalid x5c token: signature verification failed');
    const claims = checkRegisteredClaims(token.claims, context.now);
    if (claims.iss !== this.name) throw new Unauthorized('invalid x5c token: issuer (iss) does not name the provisioner');
    if (!audienceMatches(claims.aud, context.dnsNames, paths)) throw new Unauthorized(`invalid x5c token: audience (aud) is not this CA's ${endpoint} endpoint`);
    if (await context.isRevoked(Buffer.from(leaf.raw))) throw new Unauthorized('invalid x5c token: the certificate that signed it is revoked');
    return { claims, leaf };
  }

  async authorizeSign(token: DecodedJws, context: AuthorizeContext): Promise<Authorization> {
    const { claims, leaf } = await this.verifyToken(token, context, SIGN_PATHS, 'sign');
    const sansClaim = claims.raw.sans;
    if (sansClaim !== undefined && (!Array.isArray(sansClaim) || sansClaim.some((s) => typeof s !== 'string' || s === ''))) {
      throw new Unauthorized('invalid x5c token: sans must be a list of names');
    }
    const sans = classifySans(sansClaim === undefined || sansClaim.length === 0 ? [claims.sub] : (sansClaim as string[]));
    let held: Set<string>;
    try {
      held = namesOf(leaf);
    } catch {
      throw new Unauthorized('invalid x5c token: its certificate has a malformed subject or subjectAltName');
    }
    const foreign = normalised(classifySans([claims.sub])).concat(normalised(sans)).filter((n) => !held.has(n));
    if (foreign.length > 0) throw new Forbidden(`the x5c certificate does not hold the names ${JSON.stringify([...new Set(foreign)])} the token asks for`);
    const profile = claims.raw.profile;
    if (profile !== undefined && typeof profile !== 'string') throw new Unauthorized('invalid x5c token: profile must be a string');
    const options: SignOption[] = [
      subjectModifier(claims.sub, sans),
      validityModifier(this.claims.defaultTLSCertDurationMs, BACKDATE_MS),
      notAfterLimitModifier(new Date(leaf.validTo), 'x5c certificate'),
      extensionModifier(this.extension),
      commonNameValidator(claims.sub),
      sansValidator(sans),
      publicKeyValidator(),
      durationValidator(this.claims.minTLSCertDurationMs, this.claims.maxTLSCertDurationMs),
      ...profileOptions(profile, this.profiles, this.name),
    ];
    return { tokenId: `${this.id}:${claims.jti}`, tokenExpiresAt: claims.exp, options };
  }

  async authorizeRevoke(token: DecodedJws, context: AuthorizeContext): Promise<RevokeAuthorization> {
    const { claims } = await this.verifyToken(token, context, REVOKE_PATHS, 'revoke');
    return { tokenId: `${this.id}:${claims.jti}`, tokenExpiresAt: claims.exp, serial: claims.sub };
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds an X5C provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const x5cProvisioner = (config: ProvisionerConfig, claims: Claims, environment: ProvisionerEnvironment): X5cProvisioner =>
  new X5cProvisioner(config, claims, environment.home);
