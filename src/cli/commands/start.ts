import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import type { Authority } from '../../authority/authority.js';
import type { CaConfig } from '../../config/caConfig.js';
import { checkHomeModes } from '../../home/homeModes.js';
import { homeHasCa } from '../../home/initHome.js';
import { loadAuthority, readFederatedRoots } from '../../home/load.js';
import { HomeLayout, inHome, resolveHome } from '../../config/home.js';
import { loadConfig } from '../../config/load.js';
import { VERSION } from '../../config/version.js';
import { fingerprint } from '../../pki/fingerprint.js';
import { isWorkerProcess, reportListening, WorkerPool } from '../../server/workers.js';
import { PrimaryRateLimiter, serveRateLimits } from '../../server/rateLimiter.js';
import { parseAddress } from '../../config/address.js';
import { action, CliError } from '../fail.js';
import { INIT_DEFAULTS, runInit } from './init.js';
import { commaList, keyType } from '../options.js';
import { resolvePassword } from '../password.js';

interface StartFlags {
  home?: string;
  workers?: number;
  passwordFile?: string;
  quiet?: boolean;
  init?: boolean;
}

const say = (line: string): void => {
  process.stderr.write(line + '\n');
};

/**
 * The password of a home: --password-file, else (with --init) the FEDCA_INIT_PASSWORD_FILE
 * that init encrypted the keys with, else the home's generated pki/secrets/password.
 */
function startPassword(home: string, flags: StartFlags): string {
  const file = flags.passwordFile ?? (flags.init ? process.env.FEDCA_INIT_PASSWORD_FILE || undefined : undefined);
  return resolvePassword(file, inHome(home, HomeLayout.password));
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
  });
}

/** Loads the authority of a home and serves it in this process; SIGTERM/SIGINT stop it, SIGHUP reloads federated roots and peers. */
async function serve(home: string, config: CaConfig, password: string, flags: StartFlags): Promise<{ port: number; authority: Authority }> {
  const authority = await loadAuthority(home, config, password);
  // Loaded here, not at the top: the HTTP stack (express) costs every other verb ~0.3 s of startup.
  const { CaServer } = await import('../../server/server.js');
  const server = new CaServer(authority, {
    address: config.address,
    insecureAddress: config.insecureAddress,
    dnsNames: config.dnsNames,
    log: flags.quiet ? undefined : (line) => process.stdout.write(line + '\n'),
    onRenewed: (cert) => say(JSON.stringify({ level: 'info', msg: 'renewed the server certificate', pid: process.pid, notAfter: cert.notAfter.toISOString() })),
    home,
    federation: config.federation,
    rateLimit: config.rateLimit,
    // Workers share the primary's buckets, so a limit holds whichever worker serves a request.
    rateLimiter: config.rateLimit && isWorkerProcess() ? new PrimaryRateLimiter() : undefined,
  });
  const port = await server.start();
  onStopSignals(() => server.stop());
  process.on('SIGHUP', () => {
    try {
      const reloaded = loadConfig(home);
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

function banner(config: CaConfig, port: number, authority: Authority, workers: number): void {
  const host = parseAddress(config.address).host ?? '0.0.0.0';
  say(`fedca ${VERSION} serving https://${config.dnsNames[0]}:${port} (listening on ${host}:${port}, ${workers} worker${workers === 1 ? '' : 's'})`);
  say(`root fingerprint: ${fingerprint(authority.roots()[0])}`);
  say(`federation: ${authority.federation().length} root(s)`);
}

/**
 * `fedca start`: validates the home (config, keys, password, store migrations) in
 * this process, then serves it with `workers` processes sharing one port.
 */
export async function runStart(flags: StartFlags): Promise<void> {
  const home = resolveHome(flags.home);
  if (isWorkerProcess()) {
    const config = loadConfig(home);
    const { port } = await serve(home, config, startPassword(home, flags), flags);
    reportListening(port);
    return;
  }
  if (flags.init && !homeHasCa(home)) await initFromEnvironment(home);
  const config = loadConfig(home);
  checkHomeModes(home, config);
  const password = startPassword(home, flags);
  const workers = flags.workers ?? workersFromEnvironment() ?? availableParallelism();
  if (workers <= 1) {
    const { port, authority } = await serve(home, config, password, flags);
    banner(config, port, authority, 1);
    return;
  }
  const authority = await loadAuthority(home, config, password);
  await authority.store.close();
  if (config.rateLimit) serveRateLimits(config.rateLimit);
  const pool = new WorkerPool(workers, say);
  const port = await pool.start();
  onStopSignals(() => pool.stop());
  process.on('SIGHUP', () => pool.signal('SIGHUP'));
  // Announced only once the signal handlers are in place: whoever waits for the banner may send SIGTERM at once.
  banner(config, port, authority, workers);
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

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('serve the CA of a home over HTTPS (SIGTERM/SIGINT stop gracefully, SIGHUP reloads federatedRoots and federation peers)')
    .option('--home <dir>', 'CA home directory (default: $FEDCA_HOME or the current directory)')
    .option('--password-file <file>', 'password of the intermediate key (default: $FEDCA_INIT_PASSWORD_FILE with --init, else pki/secrets/password in the home)')
    .option('--init', 'if the home holds no CA yet, initialise one first (init defaults, or FEDCA_INIT_NAME, _DNS, _ADDRESS, _PROVISIONER, _KTY, _PASSWORD_FILE)')
    .option('--workers <n>', 'server processes sharing the port (default: $FEDCA_WORKERS, else one per CPU)', workerCount)
    .option('--quiet', 'no access log')
    .action(action(async (flags: StartFlags) => runStart(flags)));
}
