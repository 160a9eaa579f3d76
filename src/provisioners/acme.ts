import { Resolver } from 'node:dns/promises';
import type { ProvisionerConfig } from '../config/caConfig.js';
import { Unauthorized } from '../errors.js';
import { provisionerExtension, ProvisionerTypeCode } from '../pki/extensions.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';
import type { Claims } from './claims.js';
import type { Authorization, AuthorizeContext, Provisioner, ProvisionerInfo, RenewAuthorization, RenewRequest, RevokeAuthorization } from './provisioner.js';
import { optionalBoolean, ProvisionerConfigError, stringList, type ProvisionerEnvironment } from './provisionerConfig.js';
import { authorizeRenewal } from './renewalRules.js';
import { durationValidator, extensionModifier, publicKeyValidator, validityModifier, validityValidator, type CertificateModifier, type SignOption } from './signOptions.js';

/** The challenge types fedca validates (RFC 8555 §8.3, §8.4; RFC 8737). */
export const ACME_CHALLENGE_TYPES = ['http-01', 'dns-01', 'tls-alpn-01'] as const;
export type AcmeChallengeType = (typeof ACME_CHALLENGE_TYPES)[number];

/** The entry of `resolvers` Node's resolver (which the validators use) would refuse: not `IP`, `IP:port` or `[IPv6]:port`. */
function badResolver(resolvers: readonly string[]): string | undefined {
  for (const r of resolvers) {
    try {
      new Resolver().setServers([r]);
    } catch {
      return r;
    }
  }
  return undefined;
}

/** step-ca's forceCN: a CSR without a common name gets its first DNS name as one. */
function forceCommonNameModifier(): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft) {
      if (draft.commonName === '' && draft.sans.dns.length > 0) draft.commonName = draft.sans.dns[0];
    },
  };
}

/** What the ACME layer needs to know about validating challenges for this provisioner. */
export interface AcmeValidationSettings {
  /** Loopback and link-local addresses are validated only when set (fedca's `allowLoopback`). */
  readonly allowLoopback: boolean;
  /** DNS servers (`IP[:port]`) for dns-01 TXT and http-01 / tls-alpn-01 address lookups; the system's when empty (fedca's `resolvers`). */
  readonly resolvers: readonly string[];
}

/**
 * An ACME provisioner (step-ca's `ACME`): no tokens; the ACME protocol (src/authority/acme)
 * proves control of each identifier, and this turns a finalized order into sign
 * options. The provisioner extension names it and, as its credential id, the account.
 */
export class AcmeProvisioner implements Provisioner {
  readonly type = 'ACME';
  readonly name: string;
  readonly id: string;
  readonly tokenKey: string;
  readonly credentialId = '';
  readonly challenges: readonly AcmeChallengeType[];
  readonly forceCN: boolean;
  readonly requireEAB: boolean;
  readonly validation: AcmeValidationSettings;

  /** Throws ProvisionerConfigError naming a bad `challenges`, `resolvers` or boolean key. */
  constructor(
    private readonly config: ProvisionerConfig,
    readonly claims: Claims,
  ) {
    this.name = config.name;
    this.id = `acme/${config.name}`;
    this.tokenKey = this.id;
    const challenges = config.challenges === undefined ? [...ACME_CHALLENGE_TYPES] : stringList(config, 'challenges');
    const unknown = challenges.filter((c) => !(ACME_CHALLENGE_TYPES as readonly string[]).includes(c));
    if (unknown.length > 0) throw new ProvisionerConfigError('challenges', `unknown challenge type ${JSON.stringify(unknown[0])} (fedca has: ${ACME_CHALLENGE_TYPES.join(', ')})`);
    if (challenges.length === 0) throw new ProvisionerConfigError('challenges', 'must name at least one challenge type');
    this.challenges = challenges as AcmeChallengeType[];
    this.forceCN = optionalBoolean(config, 'forceCN');
    this.requireEAB = optionalBoolean(config, 'requireEAB');
    const resolvers = stringList(config, 'resolvers');
    const bad = badResolver(resolvers);
    if (bad !== undefined) throw new ProvisionerConfigError('resolvers', `${JSON.stringify(bad)} is not an IP address with an optional port`);
    this.validation = { allowLoopback: optionalBoolean(config, 'allowLoopback'), resolvers };
  }

  info(): ProvisionerInfo {
    const { type, name, claims, options } = this.config;
    return {
      type,
      name,
      ...(this.forceCN ? { forceCN: true } : {}),
      ...(this.requireEAB ? { requireEAB: true } : {}),
      ...(this.config.challenges !== undefined ? { challenges: this.challenges } : {}),
      ...(claims ? { claims } : {}),
      ...(options ? { options } : {}),
    };
  }

  /**
   * The sign options of a finalized order of `accountId` (step-ca's ACME AuthorizeSign):
   * the provisioner extension naming this provisioner and the account, forceCN,
   * the default validity, the key and duration rules. The names were checked against
   * the order before.
   */
  orderSignOptions(accountId: string): SignOption[] {
    return [
      extensionModifier(provisionerExtension(ProvisionerTypeCode.ACME, this.name, accountId)),
      ...(this.forceCN ? [forceCommonNameModifier()] : []),
      validityModifier(this.claims.defaultTLSCertDurationMs, BACKDATE_MS),
      publicKeyValidator(),
      validityValidator(),
      durationValidator(this.claims.minTLSCertDurationMs, this.claims.maxTLSCertDurationMs),
    ];
  }

  /** ACME takes no one-time tokens: Unauthorized. */
  async authorizeSign(): Promise<Authorization> {
    throw new Unauthorized(`provisioner "${this.name}" is an ACME provisioner: it takes no tokens, use its ACME directory`);
  }

  /** ACME revokes through its own revokeCert: Unauthorized for tokens. */
  async authorizeRevoke(): Promise<RevokeAuthorization> {
    throw new Unauthorized(`provisioner "${this.name}" is an ACME provisioner: it takes no tokens, revoke through its ACME directory`);
  }

  async authorizeRenew(request: RenewRequest, context: AuthorizeContext): Promise<RenewAuthorization> {
    return authorizeRenewal(this.claims, request, context);
  }
}

/** Builds an ACME provisioner from its ca.json entry (the factory fromConfig.ts registers). */
export const acmeProvisioner = (config: ProvisionerConfig, claims: Claims, _environment: ProvisionerEnvironment): AcmeProvisioner => new AcmeProvisioner(config, claims);
