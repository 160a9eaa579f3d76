import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Authority, KeyAndChain, ServerCertificate } from '../authority/authority.js';
import { createApi, type ApiOptions } from '../api/app.js';
import { AcmeService, type AcmeServiceOptions } from '../authority/acme/acmeService.js';
import { validateChallenge } from '../authority/acme/challenges/validation.js';
import { createInsecureApi } from '../api/insecureApp.js';
import type { LogSink } from '../api/accessLog.js';
import type { FederationConfig, RateLimitConfig } from '../config/caConfig.js';
import { parseAddress } from '../config/address.js';
import { formatDuration } from '../config/duration.js';
import { DEFAULT_TLS, type TlsConfig } from '../config/tls.js';
import { toPem } from '../pki/pem.js';
import { NO_FEDERATION } from '../config/load.js';
import { Unavailable } from '../errors.js';
import { RenewalSchedule } from '../sdk/renewalSchedule.js';
import { FederationPeers, type PeerSyncOutcome } from './federationPeers.js';
import { handshakeOptions } from './handshake.js';
import { LocalRateLimiter, type RateLimiter } from './rateLimiter.js';

export interface ServerOptions {
  /** "HOST:PORT" to listen on (port 0 picks a free one). */
  readonly address: string;
  /** Names the server certificate covers. */
  readonly dnsNames: readonly string[];
  readonly log?: LogSink;
  /** Called with every request as it arrives (metrics). */
  readonly observeRequest?: ApiOptions['observe'];
  /** Lifetime of the server's own certificate; it is renewed on the SDK's RenewalSchedule (at 2/3 of it). Default 24 h. */
  readonly serverCertLifetimeMs?: number;
  /** Called after each renewal of the server's own certificate (for logs and tests). */
  readonly onRenewed?: (cert: KeyAndChain) => void;
  /** The CA home: peer roots that older versions kept in its files move into the store. */
  readonly home?: string;
  /** Peers whose roots join the federation (config `federation`); their roots live in the store. */
  readonly federation?: FederationConfig;
  /** Called after each sync of each peer; without it, failures and changes are logged to stderr. */
  readonly onPeerSync?: (outcome: PeerSyncOutcome) => void;
  /** ca.json's `tls`: versions, cipher suites, renegotiation. */
  readonly tls?: TlsConfig;
  /** Connection deadlines, over CONNECTION_TIMEOUTS (tests shorten them). */
  readonly timeouts?: Partial<ConnectionTimeouts>;
  /** Rate limits (config `rateLimit`); none when absent. */
  readonly rateLimit?: RateLimitConfig;
  /** Where the buckets are (a worker asks its primary's); default: this process's memory. */
  readonly rateLimiter?: RateLimiter;
  /** "HOST:PORT" of a plain-HTTP listener for the CRL, OCSP and CA certificates (config `insecureAddress`); none when unset. */
  readonly insecureAddress?: string;
  /** How ACME challenges are validated (tests inject a validator or ports); default: the validators of authority/acme/challenges on ports 80 and 443. */
  readonly acme?: Partial<AcmeServiceOptions>;
}

/**
 * Peer syncs worth a line, as JSON on stderr like the server's other logs: once
 * when a peer starts failing (or fails differently), once when it recovers, and
 * when its roots change; a peer failing the same way again says nothing more.
 */
function logPeerSync(outcome: PeerSyncOutcome): void {
  const about = { pid: process.pid, peer: outcome.url, roots: outcome.roots.length };
  if (outcome.error && outcome.stateChanged) console.error(JSON.stringify({ level: 'error', msg: 'federation peer sync failing; keeping its last good roots', ...about, error: outcome.error }));
  else if (!outcome.error && outcome.stateChanged) console.error(JSON.stringify({ level: 'info', msg: 'federation peer sync recovered', ...about }));
  if (!outcome.error && outcome.changed) console.error(JSON.stringify({ level: 'info', msg: 'federation peer roots updated', ...about }));
}

const DAY_MS = 24 * 3600 * 1000;
/** Requests still running this long after a stop signal are cut. */
const DRAIN_MS = 10_000;
/**
 * No connection outlives its use: a TLS handshake, a request's headers and a whole
 * request each have a deadline, and idle keep-alive connections close first on the
 * server side (clients see the close before they reuse a connection whose worker
 * is gone). Node checks the header and request deadlines every `connectionsCheckingInterval`.
 */
export const CONNECTION_TIMEOUTS: ConnectionTimeouts = {
  handshakeTimeout: 10_000,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  connectionsCheckingInterval: 2_000,
};

/** Deadlines of a connection, in milliseconds (node:https's option names). */
export interface ConnectionTimeouts {
  readonly handshakeTimeout: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly connectionsCheckingInterval: number;
}

/** Waiting for an unreachable store at start, retries back off up to this. */
const STORE_RETRY_MAX_MS = 10_000;
/** Used-token ids of expired tokens are forgotten this often. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * The CA's HTTPS server: TLS 1.2/1.3, asks for (never requires) a client
 * certificate, renews its own certificate before it expires without a restart.
 */
export class CaServer {
  private server?: Server;
  private insecureServer?: HttpServer;
  private renewTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private current?: KeyAndChain;
  private schedule?: RenewalSchedule;
  private peers?: FederationPeers;
  private storeTimer?: NodeJS.Timeout;
  private stopped = false;
  /** The ACME service (its validations run in this process; their outcomes go to the store). */
  readonly acme: AcmeService;

  constructor(
    private readonly authority: Authority,
    private readonly options: ServerOptions,
  ) {
    this.acme = new AcmeService(authority, { validate: options.acme?.validate ?? validateChallenge, ...(options.acme?.ports ? { ports: options.acme.ports } : {}) });
  }

  /**
   * The server's TLS: its certificate, how it shakes hands (handshake.ts), and (as
   * step-ca's CertificateRequest does) the CA's roots and intermediates as acceptable client CAs.
   */
  private tlsContext(cert: KeyAndChain): SecureContextOptions {
    return {
      ...handshakeOptions(this.options.tls ?? DEFAULT_TLS),
      key: cert.keyPem,
      cert: cert.chainPem,
      ca: [...this.authority.roots(), ...this.authority.intermediates()].map((der) => toPem(der)).join(''),
    };
  }

  /** A new server certificate, not yet in the store, and its validity counted from now (when it was received). */
  private issueUnrecorded(): ServerCertificate & { readonly receivedAt: Date } {
    const receivedAt = new Date();
    return { ...this.authority.issueServerCertificate(this.options.dnsNames, this.options.serverCertLifetimeMs ?? DAY_MS, receivedAt), receivedAt };
  }

  /** A new server certificate, recorded in the store (a renewal waits for the store: the current one still serves). */
  private async issue(): Promise<{ cert: KeyAndChain; receivedAt: Date }> {
    const { certificate, record, receivedAt } = this.issueUnrecorded();
    await record();
    return { cert: certificate, receivedAt };
  }
  /**
   * Records the first server certificate once the store answers, retrying (1 s
   * doubling to 10 s) with a log line each time; meanwhile the server serves what
   * needs no store and /health says 503, so that a balancer keeps traffic away.
   */
  private recordWhenStoreAnswers(record: () => Promise<void>, delayMs = 1_000): void {
    this.storeTimer = setTimeout(() => {
      record().then(
        () => console.error(JSON.stringify({ level: 'info', msg: 'store reachable: serving', pid: process.pid })),
        (err: Error) => {
          if (this.stopped) return;
          if (!(err instanceof Unavailable)) {
            console.error(JSON.stringify({ level: 'error', msg: 'recording the server certificate failed', pid: process.pid, error: err.message }));
            return;
          }
          const next = Math.min(delayMs * 2, STORE_RETRY_MAX_MS);
          console.error(JSON.stringify({ level: 'warn', msg: 'store unavailable; /health answers 503, retrying', pid: process.pid, inMs: next }));
          this.recordWhenStoreAnswers(record, next);
        },
      );
    }, delayMs);
    this.storeTimer.unref();
  }

  private renewAt(when: Date): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(0, when.getTime() - Date.now()));
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    const schedule = this.schedule;
    if (!schedule) return;
    try {
      const { cert, receivedAt } = await this.issue();
      if (this.schedule !== schedule) return; // stopped meanwhile
      this.server?.setSecureContext(this.tlsContext(cert));
      this.current = cert;
      this.renewAt(schedule.renewed({ ...cert, receivedAt }));
      this.options.onRenewed?.(cert);
    } catch (err) {
      if (this.schedule !== schedule) return;
      const retryAt = schedule.failed();
      console.error(JSON.stringify({ level: 'error', msg: `server certificate renewal failed; retrying in ${formatDuration(retryAt.getTime() - Date.now())}`, error: (err as Error).message }));
      this.renewAt(retryAt);
    }
  }

  /**
   * Issues the server certificate and starts listening; resolves the bound port.
   * An unreachable store does not stop it: the server listens, answers 503 where
   * the store is needed, and records its certificate once the store answers.
   */
  async start(): Promise<number> {
    const first = this.issueUnrecorded();
    this.current = first.certificate;
    this.schedule = new RenewalSchedule({ ...first.certificate, receivedAt: first.receivedAt });
    const recorded = await first.record().then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof Unavailable)) throw err;
        console.error(JSON.stringify({ level: 'warn', msg: 'store unavailable at start; serving, /health answers 503 until it is reachable', pid: process.pid }));
        return false;
      },
    );
    this.peers = new FederationPeers(this.authority, {
      store: this.authority.store,
      home: this.options.home,
      federation: this.options.federation ?? NO_FEDERATION,
      onSync: this.options.onPeerSync ?? logPeerSync,
    });
    this.peers.start();
    const limits = this.options.rateLimit;
    const limiter = limits && (this.options.rateLimiter ?? new LocalRateLimiter(limits));
    if (limiter && limits?.perProvisioner) this.authority.setProvisionerLimit((name) => limiter.take('provisioner', name));
    const admitAddress = limiter && limits?.perAddress ? (address: string) => limiter.take('address', address) : undefined;
    const app = createApi(this.authority, { log: this.options.log, admitAddress, observe: this.options.observeRequest, acme: this.acme });
    const server = createServer({ ...this.tlsContext(this.current), ...CONNECTION_TIMEOUTS, ...this.options.timeouts }, app);
    this.server = server;
    await listen(server, this.options.address, () => this.peers?.stop());
    const boundPort = (server.address() as AddressInfo).port;
    const name = this.options.dnsNames[0];
    const host = name.includes(':') ? `[${name}]` : name;
    let insecureUrl: string | undefined;
    if (this.options.insecureAddress) {
      const insecure = createHttpServer(createInsecureApi(this.authority, { log: this.options.log }));
      this.insecureServer = insecure;
      await listen(insecure, this.options.insecureAddress, () => {
        this.peers?.stop();
        server.close();
      });
      insecureUrl = `http://${host}:${(insecure.address() as AddressInfo).port}`;
    }
    this.authority.setPublicUrl(`https://${host}:${boundPort}`, insecureUrl);
    this.renewAt(this.schedule.due);
    if (!recorded) this.recordWhenStoreAnswers(first.record);
    this.pruneTimer = setInterval(() => {
      this.authority.pruneUsedTokens().catch((err: Error) => console.error(JSON.stringify({ level: 'error', msg: 'pruning used tokens failed', error: err.message })));
      this.acme.prune().catch((err: Error) => console.error(JSON.stringify({ level: 'error', msg: 'pruning ACME nonces and orders failed', error: err.message })));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    return boundPort;
  }

  /** Syncs the federation peers now; resolves each peer's outcome. */
  async syncPeers(): Promise<PeerSyncOutcome[]> {
    return this.peers ? this.peers.sync() : [];
  }

  /** Takes a new `federation` config (on SIGHUP) and syncs the peers that need it. */
  reconfigurePeers(federation: FederationConfig): void {
    this.peers?.reconfigure(federation);
  }

  /** The certificate chain the server presents now. */
  certificate(): KeyAndChain | undefined {
    return this.current;
  }

  /** Stops accepting, lets in-flight requests finish (cut after 10 s), closes the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.storeTimer);
    this.schedule = undefined;
    clearTimeout(this.renewTimer);
    clearInterval(this.pruneTimer);
    this.peers?.stop();
    // Long polls of CRL watchers answer now rather than hold the drain.
    this.authority.crlChanges.close();
    const server = this.server;
    if (server) {
      const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
      force.unref();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearTimeout(force);
    }
    // Validations still running write their outcomes before the store closes (each is bounded by its deadline).
    await this.acme.validations.idle();
    const insecure = this.insecureServer;
    if (insecure) {
      await new Promise<void>((resolve) => {
        insecure.close(() => resolve());
        insecure.closeAllConnections();
      });
    }
    await this.authority.store.close();
  }
}

/** Listens on `address` ("HOST:PORT"); on failure runs `undo` and rejects with the listen error. */
function listen(server: Server | HttpServer, address: string, undo: () => void): Promise<void> {
  const { host, port } = parseAddress(address);
  return new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => {
      undo();
      reject(err);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
