import type { Authority } from '../authority.js';
import { AcmeProvisioner } from '../../provisioners/acme.js';
import { ChallengeValidations, type ValidationPorts } from './challengeValidations.js';
import type { ChallengeValidator } from './challengeValidator.js';
import { acmeId } from './ids.js';
import { AcmeLinks } from './links.js';
import { notFound } from './problem.js';
import type { AcmeAnswer, AcmeScope } from './scope.js';

/** How long a replay nonce is good for. */
const NONCE_LIFETIME_MS = 3_600_000;

/** How the ACME service validates challenges. */
export interface AcmeServiceOptions {
  readonly validate: ChallengeValidator;
  /** Ports challenges are validated on (tests); 80 and 443 otherwise. */
  readonly ports?: ValidationPorts;
}

/**
 * The CA's ACME service (RFC 8555, RFC 9773): finds an ACME provisioner by name and
 * gives each request its scope; every resource's logic lives in its own file here
 * (accounts, orders, authorizations, revokeCert, renewalInfo). All state is in the
 * store, so any process or replica answers any request.
 */
export class AcmeService {
  readonly validations: ChallengeValidations;

  constructor(
    private readonly authority: Authority,
    options: AcmeServiceOptions,
  ) {
    this.validations = new ChallengeValidations(authority.store, options.validate, options.ports);
  }

  /** The ACME provisioner `name`; malformed 404 when the CA has none by that name. */
  provisioner(name: string): AcmeProvisioner {
    const p = this.authority.provisionerNamed(name);
    if (!(p instanceof AcmeProvisioner)) throw notFound(`ACME provisioner "${name.slice(0, 64)}"`);
    return p;
  }

  /** The scope of a request to provisioner `name` whose URLs start with `base`. */
  scope(name: string, base: string, now = new Date()): AcmeScope {
    return { store: this.authority.store, authority: this.authority, provisioner: this.provisioner(name), links: new AcmeLinks(base), validations: this.validations, now };
  }

  /** A fresh replay nonce, recorded in the store (every replica accepts it, once). */
  async newNonce(now = new Date()): Promise<string> {
    const nonce = acmeId();
    await this.authority.store.addAcmeNonce(nonce, new Date(now.getTime() + NONCE_LIFETIME_MS));
    return nonce;
  }

  /** The directory (RFC 8555 §7.1.1), with ARI's `renewalInfo` (RFC 9773) and `meta.externalAccountRequired`. */
  directory(scope: AcmeScope): AcmeAnswer {
    const { links, provisioner } = scope;
    return {
      status: 200,
      json: {
        newNonce: links.newNonce,
        newAccount: links.newAccount,
        newOrder: links.newOrder,
        revokeCert: links.revokeCert,
        keyChange: links.keyChange,
        renewalInfo: links.renewalInfo,
        meta: { externalAccountRequired: provisioner.requireEAB },
      },
    };
  }

  /** Forgets expired nonces and abandoned orders; resolves how many rows. */
  prune(now = new Date()): Promise<number> {
    return this.authority.store.pruneAcme(now);
  }
}
