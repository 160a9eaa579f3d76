import { InvalidArgumentError, type Command } from 'commander';
import type { Authority } from '../../authority/authority.js';
import type { CaConfig, DbConfig } from '../../config/caConfig.js';
import { checkHomeModes } from '../../home/homeModes.js';
import { homeHasCa } from '../../home/initHome.js';
import { loadAuthority, readFederatedRoots } from '../../home/load.js';
import { HomeLayout, inHome, resolveHome } from '../../config/home.js';
import { configHome, givenConfigSource, homeConfigSource, loadConfigFrom, type ConfigSource } from '../../config/load.js';
import { VERSION } from '../../config/version.js';
import { fingerprint } from '../../pki/fingerprint.js';
import type { Server } from 'node:http';
import { defaultWorkerCount, isWorkerProcess, reportListening, WorkerPool } from '../../server/workers.js';
import { PrimaryRateLimiter, serveRateLimits } from '../../server/rateLimiter.js';
import { parseAddress } from '../../config/address.js';
import { action, CliError } from '../fail.js';
import { INIT_DEFAULTS, runInit } from './init.js';
import { commaList, keyType, storeLocation } from '../options.js';
import { promptPassword, readPasswordFile } from '../password.js';
import { existsSync } from 'node:fs';

interface StartFlags {
  home?: string;
  config?: string;
  workers?: number;
  passwordFile?: string;
  quiet?: boolean;
  init?: boolean;
  address?: string;
}

const say = (line: string): void => {
  process.stderr.write(line + '\n');
};

/**
 * The password of the CA's key: --password-file, else (with --init) the
 * FEDCA_INIT_PASSWORD_FILE that init encrypted the keys with, else ca.json's
 * `password` (step-ca's key), else the home's generated pki/secrets/password,
 * else asked for on the terminal without echo (as step-ca does).
 */
async function startPassword(home: string, config: CaConfig, flags: StartFlags): Promise<string> {
  const file = flags.passwordFile ?? (flags.init ? process.env.FEDCA_INIT_PASSWORD_FILE || undefined : undefined);
  if (file) return readPasswordFile(file);
  if (config.password !== undefined) return config.password;
  const generated = inHome(home, HomeLayout.password);
  if (existsSync(generated)) return readPasswordFile(generated);
  return promptPassword('Please enter the password to decrypt the intermediate key: ');
}

/** The configuration `start` serves: CONFIG or --config (paths as step-ca resolves them), else the home's. */
function configSource(flags: StartFlags, positional: string | undefined): { source: ConfigSource; home: string } {
  if (positional !== undefined && flags.config !== undefined && positional !== flags.config) throw new CliError('give the configuration once: CONFIG or --config FILE');
  const file = positional ?? flags.config;
  if (file === undefined) {
    const home = resolveHome(flags.home);
    return { source: homeConfigSource(home), home };
  }
  if (flags.init) throw new CliError('--init applies to a home, not to a given configuration file');
  const source = givenConfigSource(file);
  return { source, home: flags.home ? resolveHome(flags.home) : configHome(source) };
}

/** One warning line naming what ca.json sets that fedca does not implement. */
function warnIgnored(config: CaConfig): void {
  if (config.ignored.length) say(`fedca: warning: ca.json sets what fedca does not implement, ignored: ${config.ignored.join(', ')}`);
}

/** FEDCA_INIT_DB, parsed like init's --db. */
function initStoreLocation(value: string): DbConfig {
  try {
    return storeLocation(value);
  } catch (err) {
    throw new CliError(`FEDCA_INIT_DB ${(err as Error).message}`);
  }
}

/** `--init` on a home with no CA: init from FEDCA_INIT_* variables, else init's defaults. */
async function initFromEnvironment(home: string): Promise<void> {
  const env = process.env;
  await runInit({
    home,
    name: env.FEDCA_INIT_NAME || INIT_DEFAULTS.name,
    dns: commaList(env.FEDCA_INIT_DNS || INIT_DEFAULTS.dns),
    address: env.FEDCA_INIT_ADDRESS || INIT_DEFAULTS.address,
    provisioner: env.FEDCA_INIT_PROVISIONER || INIT_DEFAULTS.provisioner,
    passwordFile: env.FEDCA_INIT_PASSWORD_FILE || undefined,
    kty: keyType(env.FEDCA_INIT_KTY || INIT_DEFAULTS.kty),
    db: env.FEDCA_INIT_DB ? initStoreLocation(env.FEDCA_INIT_DB) : undefined,
    dbPasswordFile: env.FEDCA_INIT_DB_PASSWORD_FILE || undefined,
  });
}

/** Loads the authority of a home and serves it in this process; SIGTERM/SIGINT stop it, SIGHUP reloads federated roots and peers. */
async function serve(home: string, source: ConfigSource, config: CaConfig, password: string, flags: StartFlags): Promise<{ port: number; authority: Authority }> {
  // prom-client is loaded only when metrics are served: it costs each process about 11 MiB.
  const metricsAddress = config.metricsAddress;
  const metricsModule = metricsAddress === undefined ? undefined : await import('../../server/metrics.js');
  const metrics = metricsModule && new metricsModule.CaMetrics();
  // A worker leaves WAL checkpoints to its primary, which keeps the store open for that.
  const authority = await loadAuthority(home, config, password, metrics?.observeStore, { walCheckpoints: !isWorkerProcess() });
  metrics?.watchCrl(authority.store);
  metrics?.watchPeers(authority.store);
  // Loaded here, not at the top: the HTTP stack (express) costs every other verb ~0.3 s of startup.
  const { CaServer } = await import('../../server/server.js');
  const server = new CaServer(authority, {
    observeRequest: metrics?.observeRequest,
    address: listenOn(config, flags),
    insecureAddress: config.insecureAddress,
    dnsNames: config.dnsNames,
    log: flags.quiet ? undefined : (line) => process.stdout.write(line + '\n'),
    onRenewed: (cert) => say(JSON.stringify({ level: 'info', msg: 'renewed the server certificate', pid: process.pid, notAfter: cert.notAfter.toISOString() })),
    home,
    federation: config.federation,
    tls: config.tls,
    rateLimit: config.rateLimit,
    // Workers share the primary's buckets, so a limit holds whichever worker serves a request.
    rateLimiter: config.rateLimit && isWorkerProcess() ? new PrimaryRateLimiter() : undefined,
  });
  const port = await server.start();
  // A worker's metrics are served by the primary (all workers summed); a single process serves its own.
  let metricsServer: Server | undefined;
  if (metrics && isWorkerProcess()) metrics.reportToPrimary();
  else if (metricsModule && metrics && metricsAddress !== undefined) metricsServer = await metricsModule.serveMetrics(metricsAddress, () => metrics.registry.metrics(), metrics.registry.contentType);
  onStopSignals(async () => {
    metricsServer?.close();
    await server.stop();
  });
  process.on('SIGHUP', () => {
    try {
      const reloaded = loadConfigFrom(source);
      authority.setFederatedRoots(readFederatedRoots(home, reloaded));
      server.reconfigurePeers(reloaded.federation);
      say(`SIGHUP: federation reloaded, ${authority.federation().length} root(s), ${reloaded.federation.peers.length} peer(s) (pid ${process.pid})`);
    } catch (err) {
      say(`SIGHUP: federation not reloaded, keeping the previous one: ${(err as Error).message}`);
    }
  });
  return { port, authority };
}

/**
 * On SIGTERM or SIGINT (once): run `stop`, then exit 0 (1 if stopping failed). A
 * worker also stops when its primary is gone (the IPC channel closes), so a
 * primary killed outright leaves no unsupervised server behind.
 */
function onStopSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    if (!isWorkerProcess()) say(`${signal}: finishing in-flight requests and stopping`);
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        say(`fedca: stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
  if (isWorkerProcess()) process.on('disconnect', () => handler('primary gone'));
}

/** Where the server listens: --address, else the config's. */
const listenOn = (config: CaConfig, flags: StartFlags): string => flags.address ?? config.address;

function banner(config: CaConfig, address: string, port: number, authority: Authority, workers: number): void {
  const host = parseAddress(address).host ?? '0.0.0.0';
  say(`fedca ${VERSION} serving https://${config.dnsNames[0]}:${port} (listening on ${host}:${port}, ${workers} worker${workers === 1 ? '' : 's'})`);
  say(`root fingerprint: ${fingerprint(authority.roots()[0])}`);
  say(`federation: ${authority.federation().length} root(s)`);
}

/**
 * `fedca start`: validates the home (config, keys, password, store migrations) in
 * this process, then serves it with `workers` processes sharing one port.
 */
export async function runStart(flags: StartFlags, positional?: string): Promise<void> {
  const { source, home } = configSource(flags, positional);
  if (isWorkerProcess()) {
    const config = loadConfigFrom(source);
    const password = process.env.FEDCA_WORKER_PASSWORD ?? (await startPassword(home, config, flags));
    const { port } = await serve(home, source, config, password, flags);
    reportListening(port);
    return;
  }
  if (flags.init && !homeHasCa(home)) await initFromEnvironment(home);
  const config = loadConfigFrom(source);
  warnIgnored(config);
  checkHomeModes(home, config);
  const password = await startPassword(home, config, flags);
  const workers = flags.workers ?? workersFromEnvironment() ?? defaultWorkerCount();
  if (workers <= 1) {
    const { port, authority } = await serve(home, source, config, password, flags);
    banner(config, listenOn(config, flags), port, authority, 1);
    return;
  }
  // Kept open: the primary checkpoints the SQLite WAL for its workers (they do not).
  const authority = await loadAuthority(home, config, password);
  // A password typed at the prompt reaches the workers through their environment, never argv or a file.
  process.env.FEDCA_WORKER_PASSWORD = password;
  if (config.rateLimit) serveRateLimits(config.rateLimit);
  const metricsServer = config.metricsAddress === undefined ? undefined : await (await import('../../server/metrics.js')).serveClusterMetrics(config.metricsAddress);
  const pool = new WorkerPool(workers, say);
  const port = await pool.start();
  onStopSignals(async () => {
    metricsServer?.close();
    await pool.stop();
    await authority.store.close();
  });
  process.on('SIGHUP', () => pool.signal('SIGHUP'));
  // Announced only once the signal handlers are in place: whoever waits for the banner may send SIGTERM at once.
  banner(config, listenOn(config, flags), port, authority, workers);
}

function workersFromEnvironment(): number | undefined {
  const value = process.env.FEDCA_WORKERS;
  if (value === undefined || value === '') return undefined;
  try {
    return workerCount(value);
  } catch (err) {
    throw new CliError(`FEDCA_WORKERS ${(err as Error).message}`);
  }
}

function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

function listenAddress(value: string): string {
  try {
    parseAddress(value);
  } catch {
    throw new InvalidArgumentError('must be HOST:PORT, [IPv6]:PORT or :PORT');
  }
  return value;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .argument('[config]', "a ca.json to serve where it lies, relative paths resolved against the working directory as step-ca does (default: the home's config/ca.json)")
    .description('serve the CA of a home, or of a step-ca ca.json, over HTTPS (SIGTERM/SIGINT stop gracefully, SIGHUP reloads federatedRoots and federation peers)')
    .option('--config <file>', 'the same as the CONFIG argument')
    .option('--home <dir>', "CA home directory (default: $FEDCA_HOME or the current directory; with CONFIG, where fedca keeps its own files: $STEPPATH for STEPPATH/config/ca.json)")
    .option('--password-file <file>', "password of the intermediate key (default: $FEDCA_INIT_PASSWORD_FILE with --init, else ca.json's password, else pki/secrets/password in the home, else asked on the terminal)")
    .option('--init', 'if the home holds no CA yet, initialise one first (init defaults, or FEDCA_INIT_NAME, _DNS, _ADDRESS, _PROVISIONER, _KTY, _PASSWORD_FILE, _DB, _DB_PASSWORD_FILE)')
    .option('--workers <n>', 'server processes sharing the port (default: $FEDCA_WORKERS, else one per CPU; 1 uses the least memory)', workerCount)
    .option('--quiet', 'no access log')
    .option('--address <host:port>', "where to listen, instead of the config's address (replicas sharing one home)", listenAddress)
    .action(action(async (config: string | undefined, flags: StartFlags) => runStart(flags, config)));
}
