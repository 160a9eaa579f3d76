import type { Command } from 'commander';
import { homeHasCa } from '../authority/initHome.js';
import { loadAuthority, readFederatedRoots } from '../authority/load.js';
import { HomeLayout, inHome, resolveHome } from '../config/home.js';
import { loadConfig } from '../config/load.js';
import { VERSION } from '../config/version.js';
import { fingerprint } from '../pki/issuer.js';
import { CaServer } from '../server/server.js';
import { parseAddress } from '../config/address.js';
import { action } from './fail.js';
import { INIT_DEFAULTS, runInit } from './init.js';
import { commaList, keyType } from './options.js';
import { resolvePassword } from './password.js';

interface StartFlags {
  home?: string;
  passwordFile?: string;
  quiet?: boolean;
  init?: boolean;
}

const say = (line: string): void => {
  process.stderr.write(line + '\n');
};

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

/** Loads the CA of a home and serves it until SIGTERM/SIGINT; SIGHUP reloads federated roots. */
export async function runStart(flags: StartFlags): Promise<void> {
  const home = resolveHome(flags.home);
  if (flags.init && !homeHasCa(home)) await initFromEnvironment(home);
  const config = loadConfig(home);
  // With --init, the password file init used (FEDCA_INIT_PASSWORD_FILE) is also the one to start with.
  const passwordFile = flags.passwordFile ?? (flags.init ? process.env.FEDCA_INIT_PASSWORD_FILE || undefined : undefined);
  const password = resolvePassword(passwordFile, inHome(home, HomeLayout.password));
  const authority = await loadAuthority(home, config, password);
  const server = new CaServer(authority, {
    address: config.address,
    dnsNames: config.dnsNames,
    log: flags.quiet ? undefined : (line) => process.stdout.write(line + '\n'),
    onRenewed: (cert) => say(JSON.stringify({ level: 'info', msg: 'renewed the server certificate', notAfter: cert.notAfter.toISOString() })),
  });
  const port = await server.start();
  const host = parseAddress(config.address).host ?? '0.0.0.0';

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: finishing in-flight requests and stopping`);
    server.stop().then(
      () => process.exit(0),
      (err: Error) => {
        say(`fedca: stop failed: ${err.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    try {
      authority.setFederatedRoots(readFederatedRoots(home, loadConfig(home)));
      say(`SIGHUP: federation reloaded, ${authority.federation().length} root(s)`);
    } catch (err) {
      say(`SIGHUP: federation not reloaded, keeping the previous one: ${(err as Error).message}`);
    }
  });
  // Announced only once the signal handlers are in place: whoever waits for this line may send SIGTERM at once.
  say(`fedca ${VERSION} serving https://${config.dnsNames[0]}:${port} (listening on ${host}:${port})`);
  say(`root fingerprint: ${fingerprint(authority.roots()[0])}`);
  say(`federation: ${authority.federation().length} root(s)`);
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('serve the CA of a home over HTTPS (SIGTERM/SIGINT stop gracefully, SIGHUP reloads federated roots)')
    .option('--home <dir>', 'CA home directory (default: $FEDCA_HOME or the current directory)')
    .option('--password-file <file>', 'password of the intermediate key (default: $FEDCA_INIT_PASSWORD_FILE with --init, else pki/secrets/password in the home)')
    .option('--init', 'if the home holds no CA yet, initialise one first (init defaults, or FEDCA_INIT_NAME, _DNS, _ADDRESS, _PROVISIONER, _KTY, _PASSWORD_FILE)')
    .option('--quiet', 'no access log')
    .action(action(async (flags: StartFlags) => runStart(flags)));
}
