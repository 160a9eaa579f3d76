import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';

/** What a worker tells the primary once it serves. */
interface ListeningMessage {
  readonly type: 'fedca:listening';
  readonly port: number;
}

const isListening = (m: unknown): m is ListeningMessage =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'fedca:listening';

/**
 * V8 flags of the workers (before the primary's own node flags, which win): a young
 * generation of 2 MiB semi-spaces instead of 16. A request's garbage dies young either
 * way. Measured 2026-11-28 after a 8 s sign load (two workers): the memory of the
 * whole server, each page counted once, 139–154 MiB with 4 MiB semi-spaces, 121–133
 * with 2 (1: 117–125); scavenges took about 3 µs a sign more than with 4 (1: 10 µs more).
 */
const WORKER_V8_FLAGS = ['--max-semi-space-size=2'];

/**
 * How many server processes `fedca start` runs when neither `--workers` nor
 * FEDCA_WORKERS says: one per CPU. Measured side by side with step-ca on 2 vCPUs on a
 * quiet machine (2026-11-28, `npm run bench:step-ca`), two workers against one process:
 * 2,061 against 1,186 signs/s at c16 (step-ca 1,407 and 1,384), the same CPU per sign,
 * but 232 against 141 MiB (step-ca 145). On a busy machine one process did better on
 * every figure: CPU taken by other programs is not there for a second worker.
 * `--workers 1` is the memory-lean choice.
 */
export const defaultWorkerCount = (cpus = availableParallelism()): number => Math.max(1, cpus);

/** True in a process that `WorkerPool` forked. */
export const isWorkerProcess = (): boolean => cluster.isWorker;

/** Worker side: tells the primary the port it listens on. */
export function reportListening(port: number): void {
  process.send?.({ type: 'fedca:listening', port } satisfies ListeningMessage);
}

/**
 * How connections reach workers: the kernel's accept queue (SCHED_NONE), unless
 * NODE_CLUSTER_SCHED_POLICY says otherwise. Under node's default round robin the
 * primary accepts each connection and hands it to a worker; a connection handed to
 * a worker that is being killed is held by the primary with nobody to answer it,
 * and its client hangs until its own timeout (measured: one such connection per
 * kill -9 under load, each 30 s, none with SCHED_NONE).
 */
export function connectionScheduling(env: NodeJS.ProcessEnv = process.env): number {
  return env.NODE_CLUSTER_SCHED_POLICY ? cluster.schedulingPolicy : cluster.SCHED_NONE;
}

/** Restarting a crashed worker waits this long at first, doubling up to a minute. */
const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 60_000;

/**
 * N server processes sharing one listening socket (node:cluster). All state is in
 * the store, so workers are interchangeable: the same property that lets replicas
 * run on several machines lets them use every core of one.
 */
export class WorkerPool {
  private stopping = false;
  private restartDelay = RESTART_MIN_MS;

  constructor(
    private readonly count: number,
    private readonly say: (line: string) => void,
  ) {}

  /** Forks the workers; resolves the shared port once all of them serve. Rejects if one dies first. */
  start(): Promise<number> {
    cluster.schedulingPolicy = connectionScheduling();
    cluster.setupPrimary({ execArgv: [...WORKER_V8_FLAGS, ...process.execArgv] });
    return new Promise((resolve, reject) => {
      let ready = 0;
      let started = false;
      cluster.on('message', (_worker, message: unknown) => {
        if (!isListening(message) || started) return;
        if (++ready === this.count) {
          started = true;
          resolve(message.port);
        }
      });
      cluster.on('exit', (worker, code, signal) => {
        if (this.stopping) return;
        if (!started) {
          this.stopping = true;
          for (const w of this.workers()) w.kill('SIGTERM');
          reject(new Error(`a server worker exited during start (code ${code ?? signal})`));
          return;
        }
        this.say(JSON.stringify({ level: 'error', msg: 'server worker exited; restarting it', pid: worker.process.pid, code, signal, inMs: this.restartDelay }));
        setTimeout(() => cluster.fork(), this.restartDelay).unref();
        this.restartDelay = Math.min(this.restartDelay * 2, RESTART_MAX_MS);
      });
      for (let i = 0; i < this.count; i++) cluster.fork();
    });
  }

  private workers(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  }

  /** Passes a signal on to every worker (SIGHUP: reload). */
  signal(signal: NodeJS.Signals): void {
    for (const w of this.workers()) w.process.kill(signal);
  }

  /** Asks every worker to finish in-flight requests and exit; resolves when all have. */
  stop(): Promise<void> {
    this.stopping = true;
    const alive = this.workers();
    return Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    ).then(() => undefined);
  }
}
