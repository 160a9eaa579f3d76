import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HomeLayout, inHome } from '../config/home.js';
import { ConfigError } from '../config/errors.js';
import { readFileIfExists, readFileOr } from '../files/readFile.js';
import { STEP_CA_DB_TYPES, validateConfig } from '../config/load.js';
import { KeyDecryptError } from '../pki/errors.js';
import { fingerprint } from '../pki/fingerprint.js';
import { createIssuer } from '../pki/issuer.js';
import { readPrivateKey } from '../pki/keys.js';
import { pemDers } from '../pki/pem.js';
import type { Revocation } from '../store/store.js';
import { InitError } from './errors.js';
import { buildAdoptedStore, refuseOccupiedHome, setAsideStore, writeFile } from './initHome.js';
import { revocationsFromCrl, revocationsFromSerialList } from './revocationList.js';
import { readStepCaTables, SQL_TYPES, type StepCaDbConfig, type StepCaTables } from './stepCaDatabase.js';
import { stepCaHistory, type StepCaHistory } from './stepCaState.js';

/** Where the revocations of a step-ca whose database fedca cannot read come from. */
export interface RevocationSource {
  /** step-ca's CRL (DER or PEM), signed by its intermediate or root. */
  readonly crlFile?: string;
  /** One serial a line. */
  readonly serialsFile?: string;
  /** Adopt without revocations (said explicitly). */
  readonly none?: boolean;
}

export interface StepCaAdoption {
  /** $STEPPATH (with config/ca.json), or a ca.json file. */
  readonly stepPath: string;
  readonly home: string;
  /** The password of step-ca's intermediate key (kept encrypted as it is). */
  readonly password: string;
  readonly revocations: RevocationSource;
  readonly force: boolean;
  /** What relative paths in step-ca's ca.json resolve against, as step-ca does: the working directory. */
  readonly cwd?: string;
}

export interface StepCaAdopted {
  readonly configFile: string;
  readonly rootFingerprint: string;
  readonly history: StepCaHistory;
  /** step-ca's database type ("mysql", "badgerv2", ... or "none"). */
  readonly dbType: string;
  readonly provisioners: readonly string[];
  readonly replacedStore?: string;
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  const text = readFileOr(file, (code) => new InitError(`cannot read step-ca's configuration ${file} (${code})`)).toString('utf8');
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not an object');
    return raw as Json;
  } catch (err) {
    throw new InitError(`${file}: not a JSON object (${(err as Error).message})`);
  }
}

const readBytes = (file: string, key: string): Buffer => readFileOr(file, (code) => new InitError(`${key}: cannot read ${file} (${code})`));

function certificates(file: string, key: string): Buffer[] {
  const ders = pemDers(readBytes(file, key).toString('utf8'));
  if (ders.length === 0) throw new InitError(`${key}: ${file} holds no PEM certificate`);
  return ders;
}

/** step-ca's `db`, or undefined when it runs without one. */
function stepDb(raw: Json, file: string): StepCaDbConfig | undefined {
  const db = raw.db;
  if (db === undefined || db === null) return undefined;
  const { type, dataSource, database } = db as Json;
  if (typeof type !== 'string' || typeof dataSource !== 'string') throw new InitError(`${file}: db must have a "type" and a "dataSource"`);
  return { type: type.toLowerCase(), dataSource, database: typeof database === 'string' && database !== '' ? database : undefined };
}

/** The buckets of a step-ca whose database fedca does not read: all empty. */
const NO_TABLES: StepCaTables = { x509_certs: [], x509_certs_data: [], revoked_x509_certs: [], used_ott: [] };

/** The history of the step-ca: read from its SQL database, else from the CRL or serial list given. */
async function readHistory(db: StepCaDbConfig | undefined, source: RevocationSource, issuers: readonly Buffer[]): Promise<StepCaHistory> {
  const extra: Revocation[] = [];
  if (source.crlFile) extra.push(...(await revocationsFromCrl(source.crlFile, issuers)));
  if (source.serialsFile) extra.push(...revocationsFromSerialList(source.serialsFile));
  const sql = db && (SQL_TYPES as readonly string[]).includes(db.type);
  if (!sql && db && !source.none && !source.crlFile && !source.serialsFile) {
    throw new InitError(
      `step-ca's ${db.type} database cannot be read by fedca, so its revocations would be lost: pass --crl FILE (step-ca's CRL) or --revoked-serials FILE, or --no-revocations to adopt without them`,
    );
  }
  const history = stepCaHistory(sql ? await readStepCaTables(db) : NO_TABLES);
  const known = new Set(history.revocations.map((r) => r.serial));
  const added = extra.filter((r) => !known.has(r.serial) && (known.add(r.serial), true));
  return { ...history, revocations: [...history.revocations, ...added] };
}

/**
 * Adopts a step-ca into a fedca home: its roots, intermediate and keys (copied as
 * they are, encrypted with step-ca's password), its provisioners and settings
 * (ca.json kept but for the file paths and the store), and its state: issued and
 * revoked certificates and used token ids, so that nothing step-ca revoked can be
 * renewed at fedca. Reads and checks everything before it writes anything.
 */
export async function adoptStepCa(opts: StepCaAdoption): Promise<StepCaAdopted> {
  const cwd = opts.cwd ?? process.cwd();
  const given = inHome(cwd, opts.stepPath);
  const isDir = existsSync(given) && statSync(given).isDirectory();
  const stepConfigFile = isDir ? join(given, 'config', 'ca.json') : given;
  if (inHome(opts.home, HomeLayout.config) === stepConfigFile || (isDir && inHome(cwd, opts.home) === given)) {
    throw new InitError(`the fedca home must not be the step-ca directory ${given} (its ca.json would be replaced): pass another --home`);
  }
  const raw = readJson(stepConfigFile);
  const db = stepDb(raw, stepConfigFile);
  if (db && !STEP_CA_DB_TYPES.includes(db.type) && db.type !== 'postgresql') throw new InitError(`${stepConfigFile}: db.type "${db.type}" is not a database step-ca writes`);
  // fedca's own validation, with fedca's store in place of step-ca's.
  const config = { ...raw, db: { type: 'sqlite', dataSource: HomeLayout.sqlite } };
  try {
    validateConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) throw new InitError(`${stepConfigFile}: ${err.message}`);
    throw err;
  }
  const at = (p: unknown): string => inHome(cwd, String(p));
  const rootFiles = (Array.isArray(raw.root) ? raw.root : [raw.root]).map(at);
  const roots = rootFiles.flatMap((f, i) => certificates(f, rootFiles.length > 1 ? `root[${i}]` : 'root'));
  const crtFile = at(raw.crt);
  const crtBytes = readBytes(crtFile, 'crt');
  const [intermediate] = certificates(crtFile, 'crt');
  const keyFile = at(raw.key);
  const keyBytes = readBytes(keyFile, 'key');
  try {
    createIssuer(intermediate, readPrivateKey(keyBytes.toString('utf8'), opts.password));
  } catch (err) {
    if (err instanceof KeyDecryptError) throw new InitError(`cannot decrypt step-ca's intermediate key ${keyFile} with the password given`);
    throw new InitError(`step-ca's intermediate key ${keyFile} does not fit ${crtFile}`);
  }
  const x509 = new X509Certificate(intermediate);
  if (!roots.some((r) => x509.checkIssued(new X509Certificate(r)) && x509.verify(new X509Certificate(r).publicKey))) throw new InitError(`crt: ${crtFile} is not issued by any certificate in root`);
  const federated = (Array.isArray(raw.federatedRoots) ? raw.federatedRoots : []).map((f, i) => ({ name: `step_ca_federated_${i}.crt`, bytes: readBytes(at(f), `federatedRoots[${i}]`) }));
  const rootKeyFile = isDir ? join(given, 'secrets', 'root_ca_key') : undefined;
  const rootKey = rootKeyFile && readFileIfExists(rootKeyFile, (code) => new InitError(`cannot read step-ca's root key ${rootKeyFile} (${code})`));

  refuseOccupiedHome(opts.home, opts.force);
  const history = await readHistory(db, opts.revocations, [intermediate, ...roots]);
  const building = await buildAdoptedStore(opts, history);
  try {
    mkdirSync(inHome(opts.home, 'pki/secrets'), { recursive: true, mode: 0o700 });
    writeFile(opts.home, HomeLayout.root, Buffer.concat(rootFiles.map((f) => readBytes(f, 'root'))));
    writeFile(opts.home, HomeLayout.intermediate, crtBytes);
    writeFile(opts.home, HomeLayout.intermediateKey, keyBytes, 0o600);
    if (rootKey) writeFile(opts.home, HomeLayout.rootKey, rootKey, 0o600);
    for (const f of federated) writeFile(opts.home, join(HomeLayout.federatedDir, f.name), f.bytes);
    const replacedStore = setAsideStore(inHome(opts.home, HomeLayout.sqlite));
    renameSync(building, inHome(opts.home, HomeLayout.sqlite));
    const fedcaConfig = {
      ...config,
      root: HomeLayout.root,
      federatedRoots: federated.map((f) => join(HomeLayout.federatedDir, f.name)),
      crt: HomeLayout.intermediate,
      key: HomeLayout.intermediateKey,
    };
    const configFile = writeFile(opts.home, HomeLayout.config, JSON.stringify(fedcaConfig, null, 2) + '\n');
    const provisioners = ((raw.authority as Json | undefined)?.provisioners as Json[] | undefined) ?? [];
    return { configFile, rootFingerprint: fingerprint(roots[0]), history, dbType: db?.type ?? 'none', provisioners: provisioners.map((p) => String(p.name)), replacedStore };
  } finally {
    rmSync(building, { force: true });
  }
}
