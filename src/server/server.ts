import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Authority, KeyAndChain, ServerCertificate } from '../authority/authority.js';
import { createApi, type ApiOptions } from '../api/app.js';
import type { LogSink } from '../api/accessLog.js';
import type { FederationConfig } from '../config/caConfig.js';
import { parseAddress } from '../config/address.js';
import { DEFAULT_FEDERATION_REFRESH } from '../config/load.js';
import { Unavailable } from '../errors.js';
import { FederationPeers, type PeerSyncOutcome } from './federationPeers.js';

export interface ServerOptions {
  /** "HOST:PORT" to listen on (port 0 picks a free one). */
  readonly address: string;
  /** Names the server certificate covers. */
  readonly dnsNames: readonly string[];
  readonly log?: LogSink;
  /** Called with every request as it arrives (metrics). */
  readonly observeRequest?: ApiOptions['observe'];
  /** Lifetime of the server's own certificate; it is renewed at 2/3 of it. Default 24 h. */
  readonly serverCertLifetimeMs?: number;
  /** Called after each renewal of the server's own certificate (for logs and tests). */
  readonly onRenewed?: (cert: KeyAndChain) => void;
  /** The CA home; with it the server syncs `federation.peers` and keeps their roots there. */
  readonly home?: string;
  /** Peers whose roots join the federation (config `federation`); needs `home`. */
  readonly federation?: FederationConfig;
  /** Called after each sync of each peer; without it, failures and changes are logged to stderr. */
  readonly onPeerSync?: (outcome: PeerSyncOutcome) => void;
}

/** Peer syncs worth a line (a failure, or the peer's new roots), as JSON on stderr like the server's other logs. */
function logPeerSync(outcome: PeerSyncOutcome): void {
  const about = { pid: process.pid, peer: outcome.url, roots: outcome.roots.length };
  if (outcome.error) console.error(JSON.stringify({ level: 'error', msg: 'federation peer sync failed; keeping its last-known roots', ...about, error: outcome.error }));
  else if (outcome.changed) console.error(JSON.stringify({ level: 'info', msg: 'federation peer roots updated', ...about }));
}

const DAY_MS = 24 * 3600 * 1000;
const NO_PEERS: FederationConfig = { peers: [], refresh: DEFAULT_FEDERATION_REFRESH };
/** Requests still running this long after a stop signal are cut. */
const DRAIN_MS = 10_000;
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
  private renewTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private current?: KeyAndChain;
  private issuedAt = 0;
  private peers?: FederationPeers;
  private storeTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly authority: Authority,
    private readonly options: ServerOptions,
  ) {}

  private tlsContext(cert: KeyAndChain): SecureContextOptions {
    return { key: cert.keyPem, cert: cert.chainPem, minVersion: 'TLSv1.2' };
  }

  private issueUnrecorded(): ServerCertificate {
    this.issuedAt = Date.now();
    return this.authority.issueServerCertificate(this.options.dnsNames, this.options.serverCertLifetimeMs ?? DAY_MS);
  }

  /** A new server certificate, recorded in the store (a renewal waits for the store: the current one still serves). */
  private async issue(): Promise<KeyAndChain> {
    const { certificate, record } = this.issueUnrecorded();
    await record();
    return certificate;
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

  /** Schedules the next renewal at 2/3 of the current certificate's remaining life when issued. */
  private scheduleRenewal(): void {
    const cert = this.current;
    if (!cert) return;
    const at = this.issuedAt + ((cert.notAfter.getTime() - this.issuedAt) * 2) / 3;
    this.renewTimer = setTimeout(() => void this.renew(), Math.max(500, at - Date.now()));
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const next = await this.issue();
      this.server?.setSecureContext(this.tlsContext(next));
      this.current = next;
      this.options.onRenewed?.(next);
    } catch (err) {
      console.error(JSON.stringify({ level: 'error', msg: 'server certificate renewal failed; retrying in 1 min', error: (err as Error).message }));
      this.renewTimer = setTimeout(() => void this.renew(), 60_000);
      this.renewTimer.unref();
      return;
    }
    this.scheduleRenewal();
  }

  /**
   * Issues the server certificate and starts listening; resolves the bound port.
   * An unreachable store does not stop it: the server listens, answers 503 where
   * the store is needed, and records its certificate once the store answers.
   */
  async start(): Promise<number> {
    const first = this.issueUnrecorded();
    this.current = first.certificate;
    const recorded = await first.record().then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof Unavailable)) throw err;
        console.error(JSON.stringify({ level: 'warn', msg: 'store unavailable at start; serving, /health answers 503 until it is reachable', pid: process.pid }));
        return false;
      },
    );
    if (this.options.home) {
      this.peers = new FederationPeers(this.authority, {
        home: this.options.home,
        federation: this.options.federation ?? NO_PEERS,
        onSync: this.options.onPeerSync ?? logPeerSync,
      });
      this.peers.start();
    }
    const app = createApi(this.authority, { log: this.options.log, observe: this.options.observeRequest });
    const server = createServer({ ...this.tlsContext(this.current), requestCert: true, rejectUnauthorized: false }, app);
    this.server = server;
    const { host, port } = parseAddress(this.options.address);
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error): void => {
        this.peers?.stop();
        reject(err);
      };
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    const boundPort = (server.address() as AddressInfo).port;
    const name = this.options.dnsNames[0];
    this.authority.setPublicUrl(`https://${name.includes(':') ? `[${name}]` : name}:${boundPort}`);
    this.scheduleRenewal();
    if (!recorded) this.recordWhenStoreAnswers(first.record);
    this.pruneTimer = setInterval(() => {
      this.authority.pruneUsedTokens().catch((err: Error) => console.error(JSON.stringify({ level: 'error', msg: 'pruning used tokens failed', error: err.message })));
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    return boundPort;
  }

  /** Syncs the federation peers now; resolves each peer's outcome (none without `home`). */
  async syncPeers(): Promise<PeerSyncOutcome[]> {
    return this.peers ? this.peers.sync() : [];
  }

  /** Takes a new `federation` config (on SIGHUP) and syncs; ignored without `home`. */
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
    clearTimeout(this.renewTimer);
    clearInterval(this.pruneTimer);
    this.peers?.stop();
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
    await this.authority.store.close();
  }
}
