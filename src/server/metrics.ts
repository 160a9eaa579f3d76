import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import client from 'prom-client';
import { parseAddress } from '../config/address.js';
import type { CrlState, PeerRootsRecord } from '../store/store.js';
import type { StoreObserver } from '../store/observed.js';

/** Routes of api.md and ACME's as metric labels (at /X and /1.0/X alike); anything else is "other", so that probes cannot grow the label set. */
const ROUTES: readonly [RegExp, string][] = [
  [/^\/(health|version|roots|roots\.pem|federation|federation\.pem|intermediates|intermediates\.pem|provisioners|sign|renew|rekey|revoke|crl|ocsp)$/, ''],
  [/^\/root\/[^/]+$/, '/root/{sha256}'],
  [/^\/provisioners\/[^/]+\/encrypted-key$/, '/provisioners/{kid}/encrypted-key'],
  [/^\/ocsp\/.+$/, '/ocsp/{request}'],
  ...['directory', 'new-nonce', 'new-account', 'new-order', 'revoke-cert', 'key-change'].map((r): [RegExp, string] => [new RegExp(`^/acme/[^/]+/${r}$`), `/acme/{provisioner}/${r}`]),
  [/^\/acme\/[^/]+\/account\/[^/]+$/, '/acme/{provisioner}/account/{id}'],
  [/^\/acme\/[^/]+\/account\/[^/]+\/orders$/, '/acme/{provisioner}/account/{id}/orders'],
  [/^\/acme\/[^/]+\/order\/[^/]+$/, '/acme/{provisioner}/order/{id}'],
  [/^\/acme\/[^/]+\/order\/[^/]+\/finalize$/, '/acme/{provisioner}/order/{id}/finalize'],
  [/^\/acme\/[^/]+\/authz\/[^/]+$/, '/acme/{provisioner}/authz/{id}'],
  [/^\/acme\/[^/]+\/challenge\/[^/]+\/[^/]+$/, '/acme/{provisioner}/challenge/{authz}/{id}'],
  [/^\/acme\/[^/]+\/certificate\/[^/]+$/, '/acme/{provisioner}/certificate/{id}'],
  [/^\/acme\/[^/]+\/renewal-info\/[^/]+$/, '/acme/{provisioner}/renewal-info/{certID}'],
];

/** The label of a request's route: its path without `/1.0` and query, parameters named. */
export function routeLabel(url: string): string {
  const path = url.split('?')[0].replace(/^\/1\.0(?=\/)/, '');
  for (const [pattern, label] of ROUTES) if (pattern.test(path)) return label || path;
  return 'other';
}

/** What the CRL gauges read when scraped. */
export interface CrlSource {
  crlState(): Promise<CrlState>;
  crlEntryCount(now: Date): Promise<number>;
}

/** What the federation peer gauges read when scraped. */
export interface PeerSource {
  peerRoots(): Promise<PeerRootsRecord[]>;
}

/**
 * The CA's Prometheus metrics (prom-client), in a registry of their own: requests by
 * route and status with latency, store calls with latency and outcome, one-time
 * tokens refused as replays, and the CRL's entries and age read at scrape time.
 */
export class CaMetrics {
  readonly registry = new client.Registry();
  private readonly requests = new client.Counter({ name: 'fedca_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
  private readonly latency = new client.Histogram({
    name: 'fedca_http_request_duration_seconds',
    help: 'HTTP request latency by route (sign, renew, rekey, revoke, ...)',
    labelNames: ['route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly store = new client.Histogram({
    name: 'fedca_store_operation_duration_seconds',
    help: 'Store calls by operation and outcome (ok, replay, unavailable, error)',
    labelNames: ['operation', 'outcome'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2],
    registers: [this.registry],
  });
  private readonly storeErrors = new client.Counter({ name: 'fedca_store_errors_total', help: 'Store calls that failed, by operation and outcome (unavailable, error)', labelNames: ['operation', 'outcome'], registers: [this.registry] });
  private readonly replays = new client.Counter({ name: 'fedca_token_replays_total', help: 'One-time tokens refused because they were used before', labelNames: ['operation'], registers: [this.registry] });

  /** Adds the CRL gauges, read from `crl` at each scrape. */
  watchCrl(crl: CrlSource): void {
    // Each gauge reads only what it shows: a count from the database, not the CRL's entries (reading
    // 100,000 of them cost 130-300 ms of CPU, 2026-11-28), and the small CRL stamp.
    const read = async <T>(get: (now: Date) => Promise<T>, set: (value: T, now: Date) => void): Promise<void> => {
      const now = new Date();
      try {
        set(await get(now), now);
      } catch {
        // An unreachable store leaves the gauges unset for this scrape; the store metrics say why.
      }
    };
    new client.Gauge({
      name: 'fedca_crl_entries',
      help: 'Revoked certificates not yet expired (what the next CRL lists)',
      registers: [this.registry],
      // Every worker reads the same store: across a pool, one value, not a sum.
      aggregator: 'max',
      async collect() {
        await read((now) => crl.crlEntryCount(now), (entries) => this.set(entries));
      },
    });
    new client.Gauge({
      name: 'fedca_crl_age_seconds',
      help: 'Seconds since the stored CRL was built (thisUpdate)',
      registers: [this.registry],
      aggregator: 'max',
      async collect() {
        await read(() => crl.crlState(), (state: CrlState, now) => state.der && this.set((now.getTime() - state.thisUpdate.getTime()) / 1000));
      },
    });
  }

  /**
   * Adds the federation peer gauges, read from the store (shared by every replica) at
   * each scrape: seconds since each peer's roots were last fetched, and its failed syncs
   * since the last good one.
   */
  watchPeers(peers: PeerSource): void {
    const read = async (set: (record: PeerRootsRecord, now: Date) => void): Promise<void> => {
      const now = new Date();
      try {
        for (const record of await peers.peerRoots()) set(record, now);
      } catch {
        // An unreachable store leaves the gauges unset for this scrape; the store metrics say why.
      }
    };
    new client.Gauge({
      name: 'fedca_federation_peer_sync_age_seconds',
      help: "Seconds since a federation peer's roots were last fetched (absent until a first sync succeeds)",
      labelNames: ['peer'],
      registers: [this.registry],
      aggregator: 'max',
      async collect() {
        this.reset();
        await read((r, now) => r.roots.length > 0 && this.set({ peer: r.url }, (now.getTime() - r.fetchedAt.getTime()) / 1000));
      },
    });
    new client.Gauge({
      name: 'fedca_federation_peer_sync_failures',
      help: 'Failed syncs of a federation peer since its last good one (0 when the last sync worked)',
      labelNames: ['peer'],
      registers: [this.registry],
      aggregator: 'max',
      async collect() {
        this.reset();
        await read((r) => this.set({ peer: r.url }, r.failures));
      },
    });
  }

  /** Counts a request and its latency once its response is finished. */
  readonly observeRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = routeLabel(req.url ?? '');
      this.requests.inc({ route, method: req.method ?? '', status: String(res.statusCode) });
      this.latency.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
  };

  /** For ObservedStore: each store call's latency, errors and replays. */
  readonly observeStore: StoreObserver = (operation, seconds, outcome) => {
    this.store.observe({ operation, outcome }, seconds);
    if (outcome === 'unavailable' || outcome === 'error') this.storeErrors.inc({ operation, outcome });
    if (outcome === 'replay') this.replays.inc({ operation });
  };

  /** In a worker of a pool: report this registry to the primary, which serves them all (serveClusterMetrics). */
  reportToPrimary(): void {
    // Constructing one is what makes a worker answer the primary's requests.
    new client.AggregatorRegistry();
    client.AggregatorRegistry.setRegistries([this.registry]);
  }
}

/** Serves `GET /metrics` (Prometheus text) on `address` over plain HTTP; resolves the server once listening. */
export async function serveMetrics(address: string, metrics: () => Promise<string>, contentType: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at GET /metrics\n');
      return;
    }
    metrics().then(
      (text) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (err: Error) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err.message}\n`),
    );
  });
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** In the primary of a worker pool: serves the metrics of every worker, summed (prom-client's AggregatorRegistry). */
export function serveClusterMetrics(address: string): Promise<Server> {
  if (!cluster.isPrimary) throw new Error('cluster metrics are served by the primary');
  const aggregator = new client.AggregatorRegistry();
  return serveMetrics(address, () => aggregator.clusterMetrics(), aggregator.contentType);
}
