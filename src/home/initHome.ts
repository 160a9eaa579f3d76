import { randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { HomeLayout, inHome } from '../config/home.js';
import { validateConfig } from '../config/load.js';
import { replaceFile } from '../files/replaceFiles.js';
import { createIssuer } from '../pki/issuer.js';
import { fingerprint } from '../pki/fingerprint.js';
import { generateKey, privateKeyPem, type KeyType } from '../pki/keys.js';
import { toPem } from '../pki/pem.js';
import { issueIntermediate, issueRoot } from '../pki/issueCertificate.js';
import { newJwkProvisioner } from '../provisioners/jwkKeys.js';
import type { DbConfig } from '../config/caConfig.js';
import { redactedUrl } from '../config/databaseUrl.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { recordAdoptedHistory, type AdoptedCa, type AdoptedHistory } from './adoptedCa.js';
import { HOME_DIRS, makePrivateDir } from './homeModes.js';
import { InitError } from './errors.js';

/** What `fedca init` needs. */
export interface InitOptions {
  readonly home: string;
  readonly name: string;
  readonly dnsNames: readonly string[];
  readonly address: string;
  readonly provisioner: string;
  /** The password for the CA keys and the provisioner key; generated when absent. */
  readonly password?: string;
  readonly kty: KeyType;
  readonly force: boolean;
  /** An existing CA to take over (root and issuer at once) instead of creating a root and an intermediate. */
  readonly adopt?: AdoptedCa;
  /** The store the config names; default the home's SQLite file. A PostgreSQL database must be reachable and empty. */
  readonly db?: DbConfig;
}

/** What init made. */
export interface InitResult {
  readonly rootFingerprint: string;
  readonly configFile: string;
  readonly rootFile: string;
  /** Set when init generated the password and wrote it here. */
  readonly passwordFile?: string;
  /** Set when --force replaced a CA: where its store was moved (kept, not deleted). */
  readonly replacedStore?: string;
}

/** Writes a file of the home atomically with exactly `mode` (chmod after writing: the umask, and a file replaced with --force, do not decide it); resolves the absolute path. */
export function writeFile(home: string, path: string, content: string | Buffer, mode = 0o644): string {
  const file = inHome(home, path);
  makePrivateDir(dirname(file));
  replaceFile(file, content, mode);
  chmodSync(file, mode);
  return file;
}

/** Renames an existing SQLite store (and its WAL files) to `<file>.replaced-<time>`; returns the new name. */
export function setAsideStore(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const aside = `${file}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of SQLITE_COMPANIONS) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  return aside;
}

/** Throws InitError when the home already holds a CA and `force` was not given. */
export function refuseOccupiedHome(home: string, force: boolean): void {
  if (homeHasCa(home) && !force) throw new InitError(`${home} already holds a CA (${HomeLayout.config} or ${HomeLayout.root}); use --force to replace it`);
}

/** True when a home already holds a CA (a config or a root). */
export function homeHasCa(home: string): boolean {
  return existsSync(inHome(home, HomeLayout.config)) || existsSync(inHome(home, HomeLayout.root));
}

/** The CA certificates and keys of a new home, and where the config points to them. */
interface CaFiles {
  readonly root: Buffer;
  readonly rootKey: KeyObject;
  /** Absent when the root issues itself (an adopted CA). */
  readonly intermediate?: { readonly certificate: Buffer; readonly key: KeyObject };
}

function createCaFiles(opts: InitOptions): CaFiles {
  if (opts.adopt) return { root: opts.adopt.certificate, rootKey: opts.adopt.key };
  const rootKey = generateKey({ kty: opts.kty, size: 3072 });
  const root = issueRoot(opts.name, rootKey);
  const intermediateKey = generateKey({ kty: opts.kty, size: 3072 });
  const intermediate = issueIntermediate(opts.name, intermediateKey, createIssuer(root, rootKey));
  return { root, rootKey, intermediate: { certificate: intermediate, key: intermediateKey } };
}

const SQLITE_COMPANIONS = ['', '-wal', '-shm'];

/** Records an adopted CA's history in `store`, then closes it; InitError when that fails. */
async function recordIntoStore(store: Store, adopt: AdoptedHistory): Promise<void> {
  try {
    await recordAdoptedHistory(store, adopt);
  } catch (err) {
    throw new InitError(`cannot record the adopted CA's certificates: ${(err as Error).message}`);
  } finally {
    await store.close();
  }
}

/**
 * Builds the SQLite store of an adopted CA in a file beside its final place, so that
 * a failure leaves nothing behind; resolves that file. A database already in the
 * home is refused unless `force` (then it is replaced when the home is written).
 */
export async function buildAdoptedStore(opts: { readonly home: string; readonly force: boolean }, adopt: AdoptedHistory): Promise<string> {
  const file = inHome(opts.home, HomeLayout.sqlite);
  if (existsSync(file) && !opts.force) throw new InitError(`${file} already exists; use --force to replace it`);
  const building = `${file}.adopting-${randomBytes(6).toString('hex')}`;
  makePrivateDir(dirname(file));
  try {
    await recordIntoStore(await openStore({ type: 'sqlite', dataSource: building }, opts.home), adopt);
  } catch (err) {
    for (const suffix of SQLITE_COMPANIONS) rmSync(building + suffix, { force: true });
    throw err;
  }
  return building;
}

/**
 * Opens a PostgreSQL store for a new CA (migrating it) and checks that it holds no
 * other CA's records: a shared database must start empty, --force or not.
 */
async function openEmptyDatabase(db: DbConfig, home: string): Promise<Store> {
  const store = await openStore(db, home);
  try {
    const counts = await store.counts();
    if (counts.certificates + counts.revocations + counts.usedTokens > 0) {
      throw new InitError(`the database ${redactedUrl(db.dataSource)} already holds ${counts.certificates} certificate(s) of a CA; a new CA needs an empty one`);
    }
    return store;
  } catch (err) {
    await store.close();
    if (err instanceof InitError) throw err;
    throw new InitError(`cannot use the database ${redactedUrl(db.dataSource)}: ${(err as Error).message}`);
  }
}

/**
 * Creates a CA in a home: root (10 y) and issuing intermediate (pathlen 0) with
 * password-encrypted keys, a JWK provisioner, and `config/ca.json`. With `adopt`,
 * the adopted CA is root and issuer at once, and its history is the new store.
 * Validates everything before writing anything.
 */
export async function initHome(opts: InitOptions): Promise<InitResult> {
  if (!opts.name.trim()) throw new InitError('--name must not be empty');
  if (!opts.provisioner.trim()) throw new InitError('--provisioner must not be empty');
  if (opts.password !== undefined && opts.password.length === 0) throw new InitError('the password file is empty');
  refuseOccupiedHome(opts.home, opts.force);
  const generatedPassword = opts.password === undefined;
  const password = opts.password ?? randomBytes(24).toString('base64url');
  const ca = createCaFiles(opts);
  const provisioner = await newJwkProvisioner(opts.provisioner, password);
  const config = {
    root: HomeLayout.root,
    federatedRoots: [] as string[],
    crt: ca.intermediate ? HomeLayout.intermediate : HomeLayout.root,
    key: ca.intermediate ? HomeLayout.intermediateKey : HomeLayout.rootKey,
    address: opts.address,
    dnsNames: [...opts.dnsNames],
    db: opts.db ?? { type: 'sqlite', dataSource: HomeLayout.sqlite },
    authority: {
      claims: { minTLSCertDuration: '5m', maxTLSCertDuration: '24h', defaultTLSCertDuration: '24h' },
      provisioners: [provisioner],
    },
    crl: { enabled: true },
  };
  // The same validation `start` runs: a bad --dns or --address fails here, before any write.
  try {
    validateConfig(config);
  } catch (err) {
    throw new InitError((err as Error).message);
  }
  const postgres = config.db.type === 'postgresql' ? await openEmptyDatabase(config.db, opts.home) : undefined;
  if (postgres && opts.adopt) await recordIntoStore(postgres, opts.adopt);
  else await postgres?.close();
  const adoptedStore = opts.adopt && !postgres ? await buildAdoptedStore(opts, opts.adopt) : undefined;

  try {
    if (!existsSync(opts.home)) makePrivateDir(opts.home);
    for (const dir of HOME_DIRS) makePrivateDir(inHome(opts.home, dir));
    const passwordFile = generatedPassword ? writeFile(opts.home, HomeLayout.password, password + '\n', 0o600) : undefined;
    writeFile(opts.home, HomeLayout.rootKey, privateKeyPem(ca.rootKey, password), 0o600);
    if (ca.intermediate) writeFile(opts.home, HomeLayout.intermediateKey, privateKeyPem(ca.intermediate.key, password), 0o600);
    const rootFile = writeFile(opts.home, HomeLayout.root, toPem(ca.root));
    if (ca.intermediate) writeFile(opts.home, HomeLayout.intermediate, toPem(ca.intermediate.certificate));
    // A CA replaced with --force by an adopted one leaves no intermediate behind.
    else for (const path of [HomeLayout.intermediate, HomeLayout.intermediateKey]) rmSync(inHome(opts.home, path), { force: true });
    // The replaced CA's store (its serials, its revocations) must not carry over to the new one.
    const replacedStore = setAsideStore(inHome(opts.home, HomeLayout.sqlite));
    if (adoptedStore) renameSync(adoptedStore, inHome(opts.home, HomeLayout.sqlite));
    const configFile = writeFile(opts.home, HomeLayout.config, JSON.stringify(config, null, 2) + '\n', 0o600);
    return { rootFingerprint: fingerprint(ca.root), configFile, rootFile, passwordFile, replacedStore };
  } finally {
    if (adoptedStore) rmSync(adoptedStore, { force: true });
  }
}
