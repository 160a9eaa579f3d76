/**
 * The demo client: a workload of "Kubernetes". Its certificate comes from the
 * Kubernetes CA; it trusts servers anchored in any root of that CA's
 * federation, and calls the demo server every 5 seconds.
 *
 *   node dist/examples/basic-federation/client.js --ca-url https://localhost:2443 \
 *     --root pki/kubernetes/pki/root_ca.crt --token "$(fedca token kube_client ...)"
 *
 * (`--password-file FILE` instead of `--token`: the client mints its own tokens with the CA's provisioner.)
 */
import { request } from 'node:https';
import { ManagedIdentity, type CaClient, type RenewingAgent, type TokenSource } from '../../src/sdk/index.js';
import { exitWith, isMain, untilSignal, workloadArgs } from './script.js';

/** How to run the demo client. */
export interface DemoClientOptions {
  /** The CA that issues the client's certificate (the Kubernetes CA). */
  readonly client: CaClient;
  readonly token: TokenSource;
  /** Default `kube_client`. */
  readonly subject?: string;
  /** The demo server; default https://127.0.0.1:8443. */
  readonly serverUrl?: string;
  /** Time between calls; default 5 s. */
  readonly intervalMs?: number;
  /** Lifetime of the client's certificate (Go duration); default the CA's. */
  readonly lifetime?: string;
  /** Reuse the connection between calls; default true (false: a TLS handshake per call). */
  readonly keepAlive?: boolean;
  readonly log?: (line: string) => void;
}

/** A running demo client. */
export interface DemoClient {
  readonly identity: ManagedIdentity;
  /** Calls answered with 200 so far, and calls that failed. */
  readonly answered: number;
  readonly failed: number;
  /** The last answer's body. */
  readonly lastAnswer: string | undefined;
  stop(): Promise<void>;
}

/** One GET over the identity's agent; resolves the body of a 200 answer, rejects otherwise. */
function call(url: string, agent: RenewingAgent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`HTTP ${res.statusCode}: ${body}`));
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Gets the client's certificate, then calls the server every `intervalMs` and prints each answer. */
export async function startDemoClient(options: DemoClientOptions): Promise<DemoClient> {
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const identity = await ManagedIdentity.obtain({
    client: options.client,
    subject: options.subject ?? 'kube_client',
    token: options.token,
    lifetime: options.lifetime,
    onRenewed: (renewed) => log(`Renewed the client certificate: valid until ${new Date(renewed.certificate.validTo).toISOString()}`),
    onError: (err) => log(`Renewal failed (will retry): ${err.message}`),
  });
  const agent = identity.createAgent({ trust: 'federation', keepAlive: options.keepAlive ?? true });
  const url = options.serverUrl ?? 'https://127.0.0.1:8443';
  let answered = 0;
  let failed = 0;
  let lastAnswer: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = (): void => {
    inFlight = call(url, agent).then(
      (body) => {
        answered++;
        lastAnswer = body;
        log(body);
      },
      (err: Error) => {
        failed++;
        log(`Request to ${url} failed: ${err.message}`);
      },
    );
    void inFlight.then(() => {
      if (!stopped) timer = setTimeout(tick, options.intervalMs ?? 5_000);
    });
  };
  tick();
  return {
    identity,
    get answered() {
      return answered;
    },
    get failed() {
      return failed;
    },
    get lastAnswer() {
      return lastAnswer;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      identity.stop();
      agent.destroy();
    },
  };
}

const USAGE = 'usage: client.js --ca-url URL --root FILE (--token TOKEN | --password-file FILE) [--server https://127.0.0.1:8443] [--lifetime 1m]';

if (isMain(import.meta.url)) {
  try {
    const args = await workloadArgs(USAGE, { server: { type: 'string' } });
    const demo = await startDemoClient({ client: args.client, token: args.token, serverUrl: args.option('server'), lifetime: args.option('lifetime') });
    untilSignal(() => demo.stop());
  } catch (err) {
    exitWith(err);
  }
}
