import { dirname } from 'node:path';
import { parseAddress } from './address.js';
import type { BucketConfig, CaConfig, ClaimsConfig, DbConfig, FederationConfig, PeerConfig, ProvisionerConfig, RateLimitConfig } from './caConfig.js';
import { isPostgresUrl } from './databaseUrl.js';
import { formatDuration, parseDuration } from './duration.js';
import { readFileOr } from '../files/readFile.js';
import { HomeLayout, inHome } from './home.js';
import { parseHttpsUrl } from './httpsUrl.js';
import { parseTls, TlsConfigError } from './tls.js';
import { ignoredStepCaKeys } from './stepCaKeys.js';
import { parseFingerprint } from '../pki/fingerprint.js';
import { ConfigError } from './errors.js';

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(key: string, problem: string): never {
  throw new ConfigError(`${key}: ${problem}`);
}

function str(obj: Record<string, Json>, key: string, path: string, fallback?: string): string {
  const v = obj[key] ?? fallback;
  if (typeof v !== 'string' || v === '') fail(path, v === undefined ? 'is required' : 'must be a non-empty string');
  return v;
}

function strList(v: Json, path: string, allowSingle = false): string[] {
  // step ca init writes `null` for an empty list.
  if (v === undefined || v === null) return [];
  if (allowSingle && typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) fail(path, 'must be a list of non-empty strings');
  return v as string[];
}

/** The longest delay a timer can wait (2^31 - 1 ms, about 596h): a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function duration(v: Json, path: string, maxMs?: number): string | undefined {
  if (v === undefined) return undefined;
  const ms = typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined || ms <= 0) fail(path, `must be a positive duration such as "24h" or "5m" (at most 2562047h), got ${JSON.stringify(v)}`);
  if (maxMs !== undefined && ms > maxMs) fail(path, `must be at most ${formatDuration(maxMs)}, got ${JSON.stringify(v)}`);
  return v as string;
}

function wholeNumber(v: Json, path: string, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) fail(path, `must be a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function bool(v: Json, path: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') fail(path, 'must be true or false');
  return v;
}

function claims(v: Json, path: string): ClaimsConfig | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) fail(path, 'must be an object');
  const out: ClaimsConfig = {
    minTLSCertDuration: duration(v.minTLSCertDuration, `${path}.minTLSCertDuration`),
    maxTLSCertDuration: duration(v.maxTLSCertDuration, `${path}.maxTLSCertDuration`),
    defaultTLSCertDuration: duration(v.defaultTLSCertDuration, `${path}.defaultTLSCertDuration`),
    maxTokenLifetime: duration(v.maxTokenLifetime, `${path}.maxTokenLifetime`),
    disableRenewal: bool(v.disableRenewal, `${path}.disableRenewal`),
    allowRenewalAfterExpiry: bool(v.allowRenewalAfterExpiry, `${path}.allowRenewalAfterExpiry`),
    revokeOnRenew: bool(v.revokeOnRenew, `${path}.revokeOnRenew`),
  };
  const ms = (s?: string): number | undefined => (s === undefined ? undefined : parseDuration(s));
  const [min, max, def] = [ms(out.minTLSCertDuration), ms(out.maxTLSCertDuration), ms(out.defaultTLSCertDuration)];
  if (min !== undefined && max !== undefined && min > max) fail(`${path}.minTLSCertDuration`, 'is longer than maxTLSCertDuration');
  if (def !== undefined && max !== undefined && def > max) fail(`${path}.defaultTLSCertDuration`, 'is longer than maxTLSCertDuration');
  if (def !== undefined && min !== undefined && def < min) fail(`${path}.defaultTLSCertDuration`, 'is shorter than minTLSCertDuration');
  return out;
}

/** step-ca's provisioner types (authority/provisioner), in step-ca's spelling: ca.json may write them in any case. */
export const STEP_CA_PROVISIONER_TYPES = ['JWK', 'OIDC', 'GCP', 'AWS', 'Azure', 'ACME', 'X5C', 'K8sSA', 'SSHPOP', 'SCEP', 'Nebula'];

/** The keys every provisioner has; its type's own keys are its provisioner's to check (src/provisioners). */
function provisioner(v: Json, path: string): ProvisionerConfig {
  if (!isObject(v)) fail(path, 'must be an object');
  const written = str(v, 'type', `${path}.type`);
  // step-ca reads provisioner types in any case ("jwk", "JWK"): kept in step-ca's spelling.
  const type = STEP_CA_PROVISIONER_TYPES.find((t) => t.toUpperCase() === written.toUpperCase()) ?? written;
  const name = str(v, 'name', `${path}.name`);
  const options = v.options;
  if (options !== undefined && !isObject(options)) fail(`${path}.options`, 'must be an object');
  return { ...v, type, name, claims: claims(v.claims, `${path}.claims`), options };
}

/** Databases only step-ca opens; fedca adopts what they hold (`init --from-step-ca`). */
export const STEP_CA_DB_TYPES = ['badger', 'badgerv1', 'badgerv2', 'bbolt', 'mysql'];

function db(v: Json): DbConfig {
  if (v === undefined || v === null) return { type: 'sqlite', dataSource: HomeLayout.sqlite };
  if (!isObject(v)) fail('db', 'must be an object');
  const type = str(v, 'type', 'db.type').toLowerCase();
  if (STEP_CA_DB_TYPES.includes(type)) {
    fail('db.type', `"${type}" is step-ca's database, which fedca cannot serve from; adopt it with "fedca init --from-step-ca STEPPATH --home DIR" and start that home`);
  }
  if (type !== 'sqlite' && type !== 'postgresql') fail('db.type', `unsupported database type "${type}" (supported: sqlite, postgresql)`);
  const dataSource = str(v, 'dataSource', 'db.dataSource');
  if (type === 'sqlite') {
    for (const key of ['database', 'passwordFile']) if (v[key] !== undefined) fail(`db.${key}`, 'applies to "postgresql" only');
    return { type, dataSource };
  }
  if (!isPostgresUrl(dataSource)) fail('db.dataSource', 'must be a postgresql:// URL such as "postgresql://fedca@db.internal:5432/fedca"');
  const database = v.database === undefined ? undefined : str(v, 'database', 'db.database');
  const passwordFile = v.passwordFile === undefined ? undefined : str(v, 'passwordFile', 'db.passwordFile');
  return { type, dataSource, ...(database === undefined ? {} : { database }), ...(passwordFile === undefined ? {} : { passwordFile }) };
}

/** How often peers are synced unless `federation.refresh` says otherwise. */
export const DEFAULT_FEDERATION_REFRESH = '1h';
/** The most roots taken from one peer unless `maxRoots` says otherwise: a CA has one or two, a few during rotations. */
export const DEFAULT_PEER_MAX_ROOTS = 10;
/** The largest `/roots` answer read from a peer unless `federation.maxBytes` says otherwise. */
export const DEFAULT_PEER_MAX_BYTES = 256 * 1024;
/** The whole of one fetch from a peer (connect, TLS, answer) unless `federation.timeout` says otherwise. */
export const DEFAULT_PEER_TIMEOUT = '10s';
const MAX_PEER_ROOTS = 1000;
const MAX_PEER_BYTES = 8 * 1024 * 1024;

function peer(v: Json, path: string): PeerConfig {
  if (!isObject(v)) fail(path, 'must be an object with "url" and "fingerprint"');
  const text = str(v, 'url', `${path}.url`);
  let url: string;
  try {
    url = parseHttpsUrl(text);
  } catch (err) {
    fail(`${path}.url`, (err as Error).message);
  }
  const pinned = str(v, 'fingerprint', `${path}.fingerprint`);
  let fingerprint: string;
  try {
    fingerprint = parseFingerprint(pinned);
  } catch {
    fail(`${path}.fingerprint`, "must be the SHA-256 of the peer's root: 64 hex digits");
  }
  const maxRoots = wholeNumber(v.maxRoots, `${path}.maxRoots`, MAX_PEER_ROOTS);
  return { url, fingerprint, ...(maxRoots === undefined ? {} : { maxRoots }) };
}

/** `federation` when ca.json has none: no peers, every bound at its default. */
export const NO_FEDERATION: FederationConfig = { peers: [], refresh: DEFAULT_FEDERATION_REFRESH, maxRoots: DEFAULT_PEER_MAX_ROOTS, maxBytes: DEFAULT_PEER_MAX_BYTES, timeout: DEFAULT_PEER_TIMEOUT };

function federation(v: Json): FederationConfig {
  if (v === undefined) return NO_FEDERATION;
  if (!isObject(v)) fail('federation', 'must be an object such as {"peers": [...], "refresh": "1h"}');
  const peersRaw = v.peers ?? [];
  if (!Array.isArray(peersRaw)) fail('federation.peers', 'must be a list');
  const peers = peersRaw.map((p, i) => peer(p, `federation.peers[${i}]`));
  for (const [i, p] of peers.entries()) {
    if (peers.findIndex((q) => q.url === p.url) !== i) fail(`federation.peers[${i}].url`, `duplicate peer ${p.url}`);
  }
  return {
    peers,
    refresh: duration(v.refresh, 'federation.refresh', MAX_TIMER_MS) ?? DEFAULT_FEDERATION_REFRESH,
    maxRoots: wholeNumber(v.maxRoots, 'federation.maxRoots', MAX_PEER_ROOTS) ?? DEFAULT_PEER_MAX_ROOTS,
    maxBytes: wholeNumber(v.maxBytes, 'federation.maxBytes', MAX_PEER_BYTES) ?? DEFAULT_PEER_MAX_BYTES,
    timeout: duration(v.timeout, 'federation.timeout', MAX_TIMER_MS) ?? DEFAULT_PEER_TIMEOUT,
  };
}

const MAX_BUCKET = 1_000_000;

/** `{[key]: value}`, or nothing when the value is absent (so configs compare equal with or without the key). */
const optional = <K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } => (value === undefined ? {} : ({ [key]: value } as { [k in K]: V }));

function bucket(v: Json, path: string): BucketConfig | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) fail(path, 'must be an object such as {"requests": 60, "per": "1m"}');
  const requests = wholeNumber(v.requests, `${path}.requests`, MAX_BUCKET);
  if (requests === undefined) fail(`${path}.requests`, 'is required');
  const per = duration(v.per, `${path}.per`);
  if (per === undefined) fail(`${path}.per`, 'is required');
  return { requests, per, burst: wholeNumber(v.burst, `${path}.burst`, MAX_BUCKET) ?? requests };
}

function rateLimit(v: Json): RateLimitConfig | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) fail('rateLimit', 'must be an object such as {"perAddress": {"requests": 60, "per": "1m"}}');
  for (const key of Object.keys(v)) if (key !== 'perAddress' && key !== 'perProvisioner') fail(`rateLimit.${key}`, 'is not a rate limit (perAddress, perProvisioner)');
  return { perAddress: bucket(v.perAddress, 'rateLimit.perAddress'), perProvisioner: bucket(v.perProvisioner, 'rateLimit.perProvisioner') };
}

/** An address to listen on, in the grammar the server listens with (so one that passes here can be bound). */
function listenAddress(address: string, path: string): string {
  try {
    parseAddress(address);
  } catch {
    fail(path, `must be HOST:PORT, [IPv6]:PORT or :PORT, got "${address}"`);
  }
  return address;
}

/** Validates parsed ca.json; throws ConfigError naming the first bad key. */
export function validateConfig(raw: Json): CaConfig {
  if (!isObject(raw)) fail('ca.json', 'must be a JSON object');
  const root = strList(raw.root, 'root', true);
  if (root.length === 0) fail('root', 'is required');
  const address = listenAddress(str(raw, 'address', 'address'), 'address');
  const insecureAddress = raw.insecureAddress === undefined || raw.insecureAddress === '' ? undefined : listenAddress(str(raw, 'insecureAddress', 'insecureAddress'), 'insecureAddress');
  if (insecureAddress !== undefined && insecureAddress === address && parseAddress(address).port !== 0) fail('insecureAddress', 'must differ from address');
  const metricsAddress = raw.metricsAddress === undefined ? undefined : listenAddress(str(raw, 'metricsAddress', 'metricsAddress'), 'metricsAddress');
  const dnsNames = strList(raw.dnsNames, 'dnsNames');
  if (dnsNames.length === 0) fail('dnsNames', 'must list at least one name');
  const authority = raw.authority ?? {};
  if (!isObject(authority)) fail('authority', 'must be an object');
  const provisionersRaw = authority.provisioners ?? [];
  if (!Array.isArray(provisionersRaw)) fail('authority.provisioners', 'must be a list');
  const provisioners = provisionersRaw.map((p, i) => provisioner(p, `authority.provisioners[${i}]`));
  const seen = new Set<string>();
  for (const [i, p] of provisioners.entries()) {
    if (seen.has(p.name)) fail(`authority.provisioners[${i}].name`, `duplicate provisioner name "${p.name}"`);
    seen.add(p.name);
  }
  const crl = raw.crl ?? { enabled: true };
  if (!isObject(crl)) fail('crl', 'must be an object');
  if (raw.password !== undefined && raw.password !== null && typeof raw.password !== 'string') fail('password', 'must be a string');
  let tls;
  try {
    tls = parseTls(raw.tls);
  } catch (err) {
    if (err instanceof TlsConfigError) fail(err.key, err.message);
    throw err;
  }
  return {
    root,
    federatedRoots: strList(raw.federatedRoots, 'federatedRoots'),
    federation: federation(raw.federation),
    crt: str(raw, 'crt', 'crt'),
    key: str(raw, 'key', 'key'),
    address,
    ...(insecureAddress === undefined ? {} : { insecureAddress }),
    ...(metricsAddress === undefined ? {} : { metricsAddress }),
    dnsNames,
    db: db(raw.db),
    authority: { claims: claims(authority.claims, 'authority.claims'), provisioners },
    crl: { enabled: bool(crl.enabled, 'crl.enabled') ?? true, cacheDuration: duration(crl.cacheDuration, 'crl.cacheDuration') },
    tls,
    password: typeof raw.password === 'string' && raw.password !== '' ? raw.password : undefined,
    ignored: ignoredStepCaKeys(raw),
    ...optional('rateLimit', rateLimit(raw.rateLimit)),
  };
}

/**
 * Where a configuration comes from: its file, and the directory its relative paths
 * resolve against (absent: they stay as written, relative to the home).
 */
export interface ConfigSource {
  readonly file: string;
  readonly base?: string;
}

/** A home's `config/ca.json`; its relative paths are the home's. */
export const homeConfigSource = (home: string): ConfigSource => ({ file: inHome(home, HomeLayout.config) });

/**
 * A configuration named on the command line (`fedca start CONFIG`), read as step-ca
 * reads it: relative paths against the working directory.
 */
export const givenConfigSource = (file: string, cwd = process.cwd()): ConfigSource => ({ file: inHome(cwd, file), base: cwd });

/** The directory a given config's CA keeps fedca's own files in: $STEPPATH for `STEPPATH/config/ca.json`, else the config's folder. */
export const configHome = (source: ConfigSource): string => (dirname(source.file).endsWith('/config') ? dirname(dirname(source.file)) : dirname(source.file));

/**
 * The config with every file path made absolute against `base` (SQLite's `:memory:`
 * kept); a config that names no db (step-ca without one) keeps fedca's store in `home`.
 */
function resolvePaths(config: CaConfig, base: string, home: string, namesDb: boolean): CaConfig {
  const at = (path: string): string => inHome(base, path);
  const sqlite = config.db.type === 'sqlite' && config.db.dataSource !== ':memory:';
  const dataSource = sqlite ? inHome(namesDb ? base : home, config.db.dataSource) : config.db.dataSource;
  return { ...config, root: config.root.map(at), federatedRoots: config.federatedRoots.map(at), crt: at(config.crt), key: at(config.key), db: { ...config.db, dataSource } };
}

/** Reads and validates a configuration file, paths resolved against its source's base. Throws ConfigError with a one-line reason. */
export function loadConfigFrom(source: ConfigSource): CaConfig {
  const { file } = source;
  const text = readFileOr(file, (code) => new ConfigError(`${file}: cannot read the configuration (${code}; run "fedca init" first?)`)).toString('utf8');
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    const config = validateConfig(raw);
    const namesDb = isObject(raw) && raw.db !== undefined && raw.db !== null;
    return source.base === undefined ? config : resolvePaths(config, source.base, configHome(source), namesDb);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Reads and validates `config/ca.json` of a home. Throws ConfigError with a one-line reason. */
export function loadConfig(home: string): CaConfig {
  return loadConfigFrom(homeConfigSource(home));
}
