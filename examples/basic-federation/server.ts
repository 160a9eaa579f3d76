/**
 * The demo server: a workload of the "Cloud". Its certificate comes from the
 * Cloud CA; it accepts clients whose certificates are anchored in any root of
 * the Cloud CA's federation, and tells each who it is and which root vouches for it.
 *
 *   node dist/examples/basic-federation/server.js --ca-url https://localhost:1443 \
 *     --root pki/cloud/pki/root_ca.crt --token "$(fedca token localhost --san localhost --san 127.0.0.1 ...)"
 *
 * (`--password-file FILE` instead of `--token`: the server mints its own tokens with the CA's provisioner.)
 */
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { commonName, ManagedIdentity, peerAnchor, type CaClient, type TokenSource } from '../../src/sdk/index.js';
import { exitWith, isMain, untilSignal, workloadArgs } from './script.js';

/** How to run the demo server. */
export interface DemoServerOptions {
  /** The CA that issues the server's certificate (the Cloud CA). */
  readonly client: CaClient;
  readonly token: TokenSource;
  /** Default `localhost` with SANs `localhost` and `127.0.0.1`. */
  readonly subject?: string;
  readonly sans?: readonly string[];
  /** Where to listen; default 127.0.0.1:8443 (port 0: any free port). */
  readonly host?: string;
  readonly port?: number;
  /** Lifetime of the server's certificate (Go duration); default the CA's. */
  readonly lifetime?: string;
  /** Where the server's lines go; default stdout. */
  readonly log?: (line: string) => void;
}

/** A running demo server. */
export interface DemoServer {
  readonly port: number;
  readonly identity: ManagedIdentity;
  /** How many times the server's certificate was renewed so far. */
  readonly renewals: number;
  stop(): Promise<void>;
}

const anchors = (identity: ManagedIdentity): string[] => identity.trustedRoots().map((root) => `CN=${commonName(root)}`);

/** `Hello <client CN> (cert issued by '<client's root CN>') at <time>`, for a client TLS verified. */
function greeting(socket: TLSSocket, identity: ManagedIdentity): string {
  const leaf = new X509Certificate(socket.getPeerCertificate().raw);
  const root = peerAnchor(socket, identity.trustedRoots());
  return `Hello ${commonName(leaf)} (cert issued by '${root ? commonName(root) : 'an unknown root'}') at ${new Date().toISOString()}\n`;
}

/** Gets the server's certificate, prints the roots it accepts, and serves mTLS until stopped. */
export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  let renewals = 0;
  let accepted: string[] = [];
  const announce = (identity: ManagedIdentity): void => {
    const now = anchors(identity);
    if (now.join('\n') === accepted.join('\n')) return;
    accepted = now;
    for (const name of now) log(`Accepting certs anchored in ${name}`);
  };
  const identity = await ManagedIdentity.obtain({
    client: options.client,
    subject: options.subject ?? 'localhost',
    sans: options.sans ?? ['localhost', '127.0.0.1'],
    token: options.token,
    lifetime: options.lifetime,
    onRenewed: (renewed) => {
      renewals++;
      log(`Renewed the server certificate: serial ${renewed.certificate.serialNumber.toLowerCase()}, valid until ${new Date(renewed.certificate.validTo).toISOString()}`);
      announce(renewed);
    },
    onError: (err) => log(`Renewal failed (will retry): ${err.message}`),
  });
  announce(identity);
  // Every 5 s the server fetches the federation again and closes live connections of clients it no longer anchors.
  const server = identity.createServer({ trust: 'federation', requireClientCertificate: true, recheckIntervalMs: 5_000, onDisconnect: (reason) => log(`Closed a live connection: ${reason}`) }, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(greeting(req.socket as TLSSocket, identity));
  });
  // A client anchored outside the federation fails verification (authorizationError); one without a certificate fails the handshake itself.
  server.on('tlsClientError', (err, socket) => log(`Refused a client at the TLS handshake: ${String(socket.authorizationError ?? err.message).trim()}`));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log(`Listening on ${host}:${port} ...`);
  return {
    port,
    identity,
    get renewals() {
      return renewals;
    },
    async stop() {
      identity.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

const USAGE = 'usage: server.js --ca-url URL --root FILE (--token TOKEN | --password-file FILE) [--host 127.0.0.1] [--port 8443] [--san NAME ...] [--lifetime 1m]';

if (isMain(import.meta.url)) {
  try {
    const args = await workloadArgs(USAGE, { host: { type: 'string' }, port: { type: 'string' }, san: { type: 'string', multiple: true } });
    const port = args.option('port');
    const sans = args.options('san');
    const server = await startDemoServer({
      client: args.client,
      token: args.token,
      host: args.option('host'),
      port: port === undefined ? undefined : Number(port),
      sans: sans.length > 0 ? sans : undefined,
      lifetime: args.option('lifetime'),
    });
    untilSignal(() => server.stop());
  } catch (err) {
    exitWith(err);
  }
}
