import type { Command } from 'commander';
import { initHome } from '../authority/initHome.js';
import { resolveHome } from '../config/home.js';
import type { KeyType } from '../pki/keys.js';
import { action } from './fail.js';
import { commaList, keyType } from './options.js';
import { readPasswordFile } from './password.js';

/** Defaults of `fedca init`, also used by `fedca start --init`. */
export const INIT_DEFAULTS = {
  name: 'fedca',
  dns: 'localhost,127.0.0.1',
  address: '127.0.0.1:9000',
  provisioner: 'admin',
  kty: 'EC' as KeyType,
};

interface InitFlags {
  home?: string;
  name: string;
  dns: string[];
  address: string;
  provisioner: string;
  passwordFile?: string;
  kty: KeyType;
  force?: boolean;
}

/** Runs init and prints what a user needs next. */
export async function runInit(flags: InitFlags): Promise<void> {
  const home = resolveHome(flags.home);
  const result = await initHome({
    home,
    name: flags.name,
    dnsNames: flags.dns,
    address: flags.address,
    provisioner: flags.provisioner,
    password: flags.passwordFile ? readPasswordFile(flags.passwordFile) : undefined,
    kty: flags.kty,
    force: Boolean(flags.force),
  });
  const lines = [
    `Initialised CA "${flags.name}" in ${home}`,
    `  config:           ${result.configFile}`,
    `  root certificate: ${result.rootFile}`,
    `  root fingerprint: ${result.rootFingerprint}`,
    `  provisioner:      ${flags.provisioner} (JWK)`,
  ];
  if (result.passwordFile) lines.push(`  password:         ${result.passwordFile} (generated, mode 0600; keep it secret)`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('create a CA: root and intermediate certificates, encrypted keys, a JWK provisioner and config/ca.json')
    .option('--home <dir>', 'CA home directory (default: $FEDCA_HOME or the current directory)')
    .option('--name <name>', 'CA name, used in the certificate subjects', INIT_DEFAULTS.name)
    .option('--dns <names>', 'comma-separated DNS names and IPs the CA serves on', commaList, commaList(INIT_DEFAULTS.dns))
    .option('--address <host:port>', 'address the CA listens on', INIT_DEFAULTS.address)
    .option('--provisioner <name>', 'name of the first JWK provisioner', INIT_DEFAULTS.provisioner)
    .option('--password-file <file>', 'password for the CA and provisioner keys (default: generate one into pki/secrets/password)')
    .option('--kty <type>', 'key type of the CA keys: EC (P-256), RSA (3072) or OKP (Ed25519)', keyType, INIT_DEFAULTS.kty)
    .option('--force', 'replace an existing CA in this home')
    .action(action(async (flags: InitFlags) => runInit(flags)));
}
