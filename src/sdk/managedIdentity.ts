import { randomBytes, X509Certificate } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { createServer, type Server, type ServerOptions } from 'node:https';
import { createSecureContext, type SecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { privateKeyPem, type KeySpec } from '../pki/keys.js';
import { pemBundle, pemDers } from '../pki/pem.js';
import type { CaClient } from './caClient.js';
import { CaError } from './errors.js';
import { issueForNewKey } from './issueForNewKey.js';
import { CloudIdentity } from './cloudIdentity.js';
import { Provisioner } from './provisioner.js';
import { LiveConnections, type ConnectionVerdict } from './liveConnections.js';
import type { OcspChecker } from './ocspChecker.js';
import { presentedCertificates, verifyPresentedChain } from './presentedChain.js';
import { RenewalSchedule, validityOf } from './renewalSchedule.js';
import { RenewingAgent } from './renewingAgent.js';
import { tokenSans } from './tokenSans.js';

/**
 * Where one-time tokens come from: a token (good for the first certificate
 * only: renewals then go over mTLS alone), a Provisioner that mints them, the
 * platform's identity (a CloudIdentity: AWS, GCP, Azure, Kubernetes; no secret), or a
 * function that returns a fresh one (used again when the CA refuses a renewal).
 */
export type TokenSource = string | Provisioner | CloudIdentity | (() => Promise<string>);

/** Which roots a peer's certificate must chain to: the CA's own, or its whole federation. */
export type Trust = 'federation' | 'roots';

/** What a managed identity is and where it comes from. */
export interface ManagedIdentityOptions {
  /** The CA that issues and renews the certificate. */
  readonly client: CaClient;
  /** The certificate's common name (the token's `sub`). */
  readonly subject: string;
  /** SANs to ask for; default: the token's `sans` (a Provisioner's tokens: `[subject]`). */
  readonly sans?: readonly string[];
  readonly token: TokenSource;
  /** The certificate's key; default EC P-256. */
  readonly key?: KeySpec;
  /** The lifetime to ask for, a Go duration ("1m", "24h"); default: the CA's default. */
  readonly lifetime?: string;
  /** Called after each renewal, once the new certificate and bundles are in use. */
  readonly onRenewed?: (identity: ManagedIdentity) => void;
  /** Called when a renewal (or a bundle refresh) fails; it is retried. Default: a process warning. */
  readonly onError?: (err: Error) => void;
}

/** How a server created by the identity treats clients. */
export interface IdentityServerOptions {
  /** Roots client certificates must chain to; default `federation`. */
  readonly trust?: Trust;
  /**
   * Refuse at the TLS handshake a client without a certificate anchored in the
   * trusted roots (default true). False asks for one and leaves the decision to
   * the application (`req.socket.authorized`).
   */
  readonly requireClientCertificate?: boolean;
  /**
   * Re-check live connections this often: the CA's roots and federation are
   * fetched again (a change is applied to every server of the identity) and, with
   * `ocsp`, every connected client certificate is asked about. Default: only when
   * the identity renews.
   */
  readonly recheckIntervalMs?: number;
  /**
   * Ask the CA's OCSP responder about each client certificate: a revoked one is
   * refused before its first request and disconnected at the next recheck.
   * Certificates the CA does not know (a federated CA's) and answers that cannot
   * be had leave the connection as it is: trust alone judges those.
   */
  readonly ocsp?: OcspChecker;
  /** Called for each live connection closed by a recheck, with the reason. */
  readonly onDisconnect?: (reason: string) => void;
}

/** A server of the identity: how it treats clients, and the connections it holds. */
interface ServedBy {
  readonly options: IdentityServerOptions;
  readonly live: LiveConnections;
}

/** How an agent created by the identity treats servers. */
export interface IdentityAgentOptions {
  /** Roots server certificates must chain to; default `federation`. */
  readonly trust?: Trust;
  /** Keep connections open between requests; default true. */
  readonly keepAlive?: boolean;
}

/** setTimeout's longest delay (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A certificate chain (leaf first) and its key, as TLS uses them. */
interface Credentials {
  readonly keyPem: string;
  readonly chainPem: string;
  readonly leaf: X509Certificate;
  /** When the certificate arrived (local clock): its life is counted from here. */
  readonly receivedAt: Date;
}

/** The PEM roots each kind of trust stands for. */
type TrustBundles = Readonly<Record<Trust, readonly string[]>>;

const sameBundles = (a: TrustBundles, b: TrustBundles): boolean => a.roots.join('') === b.roots.join('') && a.federation.join('') === b.federation.join('');

/** Closes a connection whose client chain leads to none of `roots` (or is no longer valid). */
function trustVerdict(roots: readonly X509Certificate[]): ConnectionVerdict {
  return (presented) => {
    if (presented.length === 0) return undefined;
    const now = new Date();
    for (const root of roots) {
      try {
        verifyPresentedChain(presented, root, now);
        return undefined;
      } catch {
        // not this root
      }
    }
    return `the certificate of ${presented[0].subject.replace(/\n/g, ', ')} no longer chains to a trusted root`;
  };
}

/** Closes a connection whose client certificate the CA's OCSP responder says is revoked. */
function ocspVerdict(checker: OcspChecker): ConnectionVerdict {
  return async (presented) => {
    const [leaf, issuer] = presented;
    if (!leaf) return undefined;
    const [verdict] = await checker.check([
      {
        serial: BigInt(`0x${leaf.serialNumber}`),
        ...(issuer ? { issuerFingerprint: issuer.fingerprint256 } : { issuerCommonName: /(?:^|\n)CN=([^\n]*)/.exec(leaf.issuer)?.[1] ?? '' }),
      },
    ]);
    return verdict.kind === 'revoked' ? `the certificate of ${leaf.subject.replace(/\n/g, ', ')} was revoked at ${verdict.revokedAt.toISOString()}` : undefined;
  };
}

/** The SANs to ask for: the options', else the token's (a token that is not a JWT: the subject, and the CA will refuse it). */
function sansFor(options: ManagedIdentityOptions, token: string): readonly string[] {
  if (options.sans && options.sans.length > 0) return options.sans;
  try {
    return tokenSans(token, options.subject);
  } catch {
    return [options.subject];
  }
}

/**
 * A workload's certificate, kept valid: obtained with a one-time token, renewed
 * over mTLS on the RenewalSchedule (2/3 of its lifetime ± jitter, backing off
 * after failures; a fresh certificate from the token source when the CA
 * refuses the renewal), with the CA's roots and federation bundle
 * fetched again at each renewal. Servers and agents it creates take the new certificate and trust for
 * every new connection without dropping open ones.
 */
export class ManagedIdentity {
  private credentials: Credentials;
  private bundles: TrustBundles;
  private tokenUsed = false;
  private timer?: NodeJS.Timeout;
  private readonly schedule: RenewalSchedule;
  private renewing?: Promise<void>;
  private readonly servers = new Map<Server, ServedBy>();
  private clientContexts = new Map<Trust, SecureContext>();
  private parsedRoots = new Map<Trust, X509Certificate[]>();
  private stopped = false;

  private constructor(
    private readonly options: ManagedIdentityOptions,
    credentials: Credentials,
    bundles: TrustBundles,
  ) {
    this.credentials = credentials;
    this.bundles = bundles;
    this.tokenUsed = typeof options.token === 'string';
    this.schedule = new RenewalSchedule(validityOf(credentials.leaf, credentials.receivedAt));
    this.wakeAt(this.schedule.due);
  }

  /**
   * Gets the first certificate (a new key, a CSR, a token from `options.token`,
   * `POST /sign`) and the CA's roots and federation, then keeps them fresh.
   * Throws what CaClient and Provisioner throw (CaError when the CA refuses the token).
   */
  static async obtain(options: ManagedIdentityOptions): Promise<ManagedIdentity> {
    const token = await ManagedIdentity.tokenFrom(options.token, options);
    const credentials = await ManagedIdentity.issue(options, token);
    return new ManagedIdentity(options, credentials, await ManagedIdentity.fetchBundles(options.client));
  }

  private static async tokenFrom(source: TokenSource, options: ManagedIdentityOptions): Promise<string> {
    if (typeof source === 'string') return source;
    if (source instanceof Provisioner) return source.token(options.subject, { sans: options.sans });
    if (source instanceof CloudIdentity) return source.token(options.subject);
    return source();
  }

  private static async issue(options: ManagedIdentityOptions, token: string): Promise<Credentials> {
    const { key, signed } = await issueForNewKey(options.client, { subject: options.subject, sans: sansFor(options, token), key: options.key, ott: token, notAfter: options.lifetime });
    return { keyPem: privateKeyPem(key), chainPem: pemBundle(signed.certChain), leaf: new X509Certificate(signed.crt), receivedAt: new Date() };
  }

  private static async fetchBundles(client: CaClient): Promise<TrustBundles> {
    const [roots, federation] = await Promise.all([client.roots(), client.federation()]);
    return { roots, federation };
  }

  /** The current certificate (the leaf). */
  get certificate(): X509Certificate {
    return this.credentials.leaf;
  }

  /** The current chain, PEM, leaf first. */
  get certificatePem(): string {
    return this.credentials.chainPem;
  }

  /** The private key, unencrypted PKCS#8 PEM. */
  get keyPem(): string {
    return this.credentials.keyPem;
  }

  /** When the identity renews next: 2/3 into the current certificate's life (± jitter), or when a failed renewal is retried. */
  get renewsAt(): Date {
    return this.schedule.due;
  }

  /** The roots trusted now for `trust` (default `federation`), as certificates (parsed once per renewal). */
  trustedRoots(trust: Trust = 'federation'): X509Certificate[] {
    let roots = this.parsedRoots.get(trust);
    if (!roots) {
      roots = this.bundles[trust].flatMap((pem) => pemDers(pem)).map((der) => new X509Certificate(der));
      this.parsedRoots.set(trust, roots);
    }
    return [...roots];
  }

  /** The same roots as a PEM bundle. */
  trustedRootsPem(trust: Trust = 'federation'): string {
    return pemBundle(this.bundles[trust]);
  }

  private contextOptions(trust: Trust): SecureContextOptions {
    return { key: this.credentials.keyPem, cert: this.credentials.chainPem, ca: this.trustedRootsPem(trust), minVersion: 'TLSv1.2' };
  }

  /** TLS options for an https server of this identity, as they are now (`createServer` keeps them current). */
  serverOptions(options: IdentityServerOptions = {}): ServerOptions {
    return { ...this.contextOptions(options.trust ?? 'federation'), requestCert: true, rejectUnauthorized: options.requireClientCertificate ?? true };
  }

  /**
   * An https server that presents this identity and verifies clients against
   * the trusted roots; its TLS context follows every renewal (open connections
   * stay, session tickets of the old context are no longer accepted).
   */
  createServer(options: IdentityServerOptions, listener?: RequestListener): Server {
    const server = createServer(this.serverOptions(options), options.ocsp && listener ? this.afterOcsp(options, listener) : listener);
    const live = new LiveConnections(server);
    this.servers.set(server, { options, live });
    const recheck = options.recheckIntervalMs
      ? setInterval(() => {
          this.recheck(server).catch((err: Error) => this.report(new Error(`re-checking live connections failed: ${err.message}`)));
        }, options.recheckIntervalMs)
      : undefined;
    recheck?.unref();
    server.on('close', () => {
      clearInterval(recheck);
      this.servers.delete(server);
    });
    return server;
  }

  /** `listener`, called once the OCSP answer about the connection's client certificate is in (once per connection): a revoked one is disconnected instead. */
  private afterOcsp(options: IdentityServerOptions, listener: RequestListener): RequestListener {
    const verdicts = new WeakMap<object, Promise<string | undefined>>();
    const verdict = ocspVerdict(options.ocsp as OcspChecker);
    return (req, res) => {
      const socket = req.socket as TLSSocket;
      let judged = verdicts.get(socket);
      if (!judged) {
        judged = Promise.resolve(verdict(presentedCertificates(socket.getPeerCertificate(true))));
        verdicts.set(socket, judged);
      }
      judged.then(
        (reason) => {
          if (reason === undefined) return listener(req, res);
          options.onDisconnect?.(reason);
          socket.destroy();
        },
        () => socket.destroy(),
      );
    };
  }

  /**
   * Re-checks the live connections of `server` now: the trust bundle is fetched
   * again (when it changed, every server of the identity takes it and drops the
   * clients it no longer anchors), then, with OCSP on, revoked clients are
   * disconnected. Resolves the reasons of the connections closed on `server`.
   */
  async recheck(server: Server): Promise<string[]> {
    const served = this.servers.get(server);
    if (!served) return [];
    const reasons = await this.refreshTrust();
    const closed = reasons.get(server) ?? [];
    if (served.options.ocsp) {
      const revoked = await served.live.recheck(ocspVerdict(served.options.ocsp));
      for (const reason of revoked) served.options.onDisconnect?.(reason);
      closed.push(...revoked);
    }
    return closed;
  }

  /** Fetches the roots and federation again and applies them when they changed; resolves what each server closed. */
  private async refreshTrust(): Promise<Map<Server, string[]>> {
    const bundles = await ManagedIdentity.fetchBundles(this.options.client);
    if (this.stopped || sameBundles(bundles, this.bundles)) return new Map();
    this.bundles = bundles;
    return this.applyTrust(true);
  }

  /**
   * Puts the current certificate and bundles into every server (new handshakes
   * use them; resumed sessions of the old trust are refused) and, when the trust
   * changed, closes the live connections of clients it no longer anchors.
   */
  private async applyTrust(trustChanged: boolean): Promise<Map<Server, string[]>> {
    this.clientContexts = new Map();
    this.parsedRoots = new Map();
    const closed = new Map<Server, string[]>();
    for (const [server, { options, live }] of this.servers) {
      const trust = options.trust ?? 'federation';
      server.setSecureContext(this.contextOptions(trust));
      // A resumed session skips certificate checks: sessions of the old trust must not resume.
      server.setTicketKeys(randomBytes(48));
      if (!trustChanged || options.requireClientCertificate === false) continue;
      const reasons = await live.recheck(trustVerdict(this.trustedRoots(trust)));
      for (const reason of reasons) options.onDisconnect?.(reason);
      closed.set(server, reasons);
    }
    return closed;
  }

  /** An https agent that presents this identity (mTLS) and verifies servers against the trusted roots, current at every new connection. */
  createAgent(options: IdentityAgentOptions = {}): RenewingAgent {
    const trust = options.trust ?? 'federation';
    return new RenewingAgent(() => this.clientContext(trust), { keepAlive: options.keepAlive ?? true });
  }

  private clientContext(trust: Trust): SecureContext {
    let context = this.clientContexts.get(trust);
    if (!context) {
      context = createSecureContext(this.contextOptions(trust));
      this.clientContexts.set(trust, context);
    }
    return context;
  }

  /**
   * Renews now: a new certificate, then the CA's roots and federation (kept as
   * they were if fetching them fails); swaps them into every server and agent.
   * Rejects when no certificate could be had; the current one stays in use.
   * A renewal already under way is joined, not repeated.
   */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const credentials = await this.nextCredentials();
    let bundles = this.bundles;
    try {
      bundles = await ManagedIdentity.fetchBundles(this.options.client);
    } catch (err) {
      this.report(new Error(`the certificate was renewed but the CA's federation could not be refreshed: ${(err as Error).message}`));
    }
    if (this.stopped) return;
    const trustChanged = !sameBundles(bundles, this.bundles);
    this.credentials = credentials;
    this.bundles = bundles;
    await this.applyTrust(trustChanged);
    this.wakeAt(this.schedule.renewed(validityOf(credentials.leaf, credentials.receivedAt)));
    this.options.onRenewed?.(this);
  }

  /**
   * The next certificate: the current one renewed over mTLS (same key); when the
   * CA refuses that (expired, revoked, renewal disabled) and the token source can
   * mint, a fresh certificate for a new key.
   */
  private async nextCredentials(): Promise<Credentials> {
    const { keyPem, chainPem } = this.credentials;
    try {
      const renewed = await this.options.client.renew({ certPem: chainPem, keyPem });
      return { keyPem, chainPem: pemBundle(renewed.certChain), leaf: new X509Certificate(renewed.crt), receivedAt: new Date() };
    } catch (err) {
      if (!(err instanceof CaError) || this.tokenUsed) throw err;
      return ManagedIdentity.issue(this.options, await ManagedIdentity.tokenFrom(this.options.token, this.options));
    }
  }

  /** Renews at `when` (a timer waits at most MAX_TIMER_MS at a time). */
  private wakeAt(when: Date): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const inMs = when.getTime() - Date.now();
    this.timer = setTimeout(
      () => {
        if (inMs > MAX_TIMER_MS) return this.wakeAt(when);
        this.renew().catch((err: Error) => {
          this.report(err);
          this.wakeAt(this.schedule.failed());
        });
      },
      Math.min(MAX_TIMER_MS, Math.max(0, inMs)),
    );
    this.timer.unref();
  }

  private report(err: Error): void {
    if (this.options.onError) this.options.onError(err);
    else process.emitWarning(err.message, { code: 'FEDCA_IDENTITY' });
  }

  /** Stops renewing (servers and agents keep the certificate they have). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
