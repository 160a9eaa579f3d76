import { X509Certificate } from 'node:crypto';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readEasyRsaPki, type EasyRsaPki } from '../../home/importEasyRsa.js';
import { initHome } from '../../home/initHome.js';
import { resolveHome } from '../../config/home.js';
import type { KeyType } from '../../pki/keys.js';
import { action, CliError } from '../fail.js';
import type { DbConfig } from '../../config/caConfig.js';
import { commaList, keyType, storeLocation } from '../options.js';
import { promptPassword, readPasswordFile } from '../password.js';
import { adoptStepCa } from '../../home/adoptStepCa.js';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
  fromEasyrsa?: string;
  easyrsaPassFile?: string;
  db?: DbConfig;
  dbPasswordFile?: string;
  fromStepCa?: string;
  crl?: string;
  revokedSerials?: string;
  /** false with --no-revocations (commander's negatable flag). */
  revocations?: boolean;
}

/** The password of step-ca's keys: --password-file, else its ca.json's `password`, else asked on the terminal. */
async function stepCaPassword(flags: InitFlags): Promise<string> {
  if (flags.passwordFile) return readPasswordFile(flags.passwordFile);
  const given = flags.fromStepCa ?? '';
  const file = existsSync(given) && statSync(given).isDirectory() ? join(given, 'config', 'ca.json') : given;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { password?: unknown };
    if (typeof raw.password === 'string' && raw.password !== '') return raw.password;
  } catch {
    // adoptStepCa reports an unreadable configuration.
  }
  return promptPassword("Please enter the password of step-ca's intermediate key: ");
}

/** `init --from-step-ca`: adopts a step-ca and prints what came over and what did not. */
async function runAdoptStepCa(flags: InitFlags): Promise<void> {
  if (flags.fromEasyrsa) throw new CliError('--from-step-ca and --from-easyrsa exclude each other');
  const home = resolveHome(flags.home);
  const adopted = await adoptStepCa({
    stepPath: flags.fromStepCa ?? '',
    home,
    password: await stepCaPassword(flags),
    revocations: { crlFile: flags.crl, serialsFile: flags.revokedSerials, none: flags.revocations === false },
    force: Boolean(flags.force),
  });
  const h = adopted.history;
  const lines = [
    `Adopted the step-ca of ${flags.fromStepCa} in ${home}`,
    `  from its ${adopted.dbType} database: ${h.certificates.length} certificate(s), ${h.revocations.length} revocation(s), ${h.usedTokens.length} used token id(s) still unexpired`,
    `  provisioners:     ${adopted.provisioners.join(', ') || '(none)'} (encrypted keys as they were)`,
    `  config:           ${adopted.configFile}`,
    `  root fingerprint: ${adopted.rootFingerprint} (the same: step's --fingerprint and bootstrap keep working)`,
    `  password:         step-ca's (the keys are copied as they are): start with --password-file`,
  ];
  if (h.skipped.malformed.length) lines.push(`  not imported:     ${h.skipped.malformed.length} row(s) not as step-ca writes them: ${h.skipped.malformed.slice(0, 5).join(', ')}${h.skipped.malformed.length > 5 ? ', ...' : ''}`);
  if (flags.revocations === false) lines.push('  revocations:      none adopted (--no-revocations): certificates step-ca revoked are valid and renewable here');
  if (adopted.replacedStore) lines.push(`  replaced CA's store kept as ${adopted.replacedStore}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** The easy-rsa PKI `--from-easyrsa` names, read and checked; undefined without the flag. */
function readAdoptedPki(flags: InitFlags): EasyRsaPki | undefined {
  if (flags.easyrsaPassFile && !flags.fromEasyrsa) throw new CliError('--easyrsa-pass-file applies with --from-easyrsa only');
  if (!flags.fromEasyrsa) return undefined;
  return readEasyRsaPki(flags.fromEasyrsa, flags.easyrsaPassFile ? readPasswordFile(flags.easyrsaPassFile) : undefined);
}

/** The `db` of the new config: --db (with --db-password-file), else the home's SQLite file. */
function initDb(flags: InitFlags): DbConfig | undefined {
  if (flags.dbPasswordFile && flags.db?.type !== 'postgresql') throw new CliError('--db-password-file applies with --db postgresql://... only');
  if (!flags.db || flags.db.type === 'sqlite') return flags.db;
  return flags.dbPasswordFile ? { ...flags.db, passwordFile: resolve(flags.dbPasswordFile) } : flags.db;
}

/** Runs init and prints what a user needs next. */
export async function runInit(flags: InitFlags): Promise<void> {
  if (flags.fromStepCa) return runAdoptStepCa(flags);
  if (flags.crl || flags.revokedSerials || flags.revocations === false) throw new CliError('--crl, --revoked-serials and --no-revocations apply with --from-step-ca only');
  const home = resolveHome(flags.home);
  const adopt = readAdoptedPki(flags);
  const result = await initHome({
    home,
    name: flags.name,
    dnsNames: flags.dns,
    address: flags.address,
    provisioner: flags.provisioner,
    password: flags.passwordFile ? readPasswordFile(flags.passwordFile) : undefined,
    kty: flags.kty,
    force: Boolean(flags.force),
    adopt,
    db: initDb(flags),
  });
  const lines = [adopt ? `Adopted the easy-rsa CA of ${flags.fromEasyrsa} in ${home}` : `Initialised CA "${flags.name}" in ${home}`];
  if (adopt) {
    lines.push(
      `  CA:               ${new X509Certificate(adopt.certificate).subject.replace(/\n/g, ', ')} (root and issuer)`,
      `  imported:         ${adopt.certificates.length} certificate(s), ${adopt.revocations.length} revocation(s)`,
    );
    if (adopt.missingCertificates.length) lines.push(`  not imported:     ${adopt.missingCertificates.length} valid certificate(s) whose file is missing (serials ${adopt.missingCertificates.join(', ')}): they stay valid and renewable, but cannot be revoked by serial`);
  }
  lines.push(
    `  config:           ${result.configFile}`,
    `  root certificate: ${result.rootFile}`,
    `  root fingerprint: ${result.rootFingerprint}`,
    `  provisioner:      ${flags.provisioner} (JWK)`,
  );
  if (flags.db?.type === 'postgresql') lines.push(`  store:            PostgreSQL (migrated, empty)`);
  if (result.replacedStore) lines.push(`  replaced CA's store kept as ${result.replacedStore}`);
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
    .option('--from-easyrsa <pki-dir>', "adopt an easy-rsa PKI (the pki directory of easyrsa init-pki): its CA becomes root and issuer, its index.txt's certificates and revocations are imported (--name and --kty do not apply)")
    .option('--easyrsa-pass-file <file>', "with --from-easyrsa: file holding the passphrase of the easy-rsa CA key, when it is encrypted")
    .option('--db <location>', 'the store: postgresql://user@host:5432/database (password from the URL, --db-password-file, PGPASSWORD or ~/.pgpass; the database must be empty) or sqlite:PATH (default: sqlite:db/fedca.sqlite)', storeLocation)
    .option('--db-password-file <file>', 'with --db postgresql://...: file whose first line is the database password (its absolute path goes into ca.json)')
    .option('--from-step-ca <steppath>', "adopt a step-ca ($STEPPATH, or its ca.json): roots, intermediate and keys (encrypted as they are: --password-file is step-ca's password), provisioners, and from its MySQL/PostgreSQL database its issued and revoked certificates and used tokens")
    .option('--crl <file>', "with --from-step-ca on a Badger/BoltDB database: step-ca's CRL (DER or PEM), whose entries become revocations")
    .option('--revoked-serials <file>', 'with --from-step-ca: a file of revoked serials, one a line (decimal or 0x hex)')
    .option('--no-revocations', "with --from-step-ca on a Badger/BoltDB database: adopt without step-ca's revocations (they would be renewable here)")
    .action(action(async (flags: InitFlags) => runInit(flags)));
}
