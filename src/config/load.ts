import { parseAddress } from './address.js';
import type { CaConfig, ClaimsConfig, DbConfig, FederationConfig, JwkConfig, PeerConfig, ProvisionerConfig } from './caConfig.js';
import { parseDuration } from './duration.js';
import { readFileOr } from '../files/readFile.js';
import { HomeLayout, inHome } from './home.js';
import { parseHttpsUrl } from './httpsUrl.js';
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
  if (v === undefined) return [];
  if (allowSingle && typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) fail(path, 'must be a list of non-empty strings');
  return v as string[];
}

function duration(v: Json, path: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || parseDuration(v) === undefined || (parseDuration(v) ?? 0) <= 0) fail(path, `must be a positive duration such as "24h" or "5m", got ${JSON.stringify(v)}`);
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
    disableRenewal: bool(v.disableRenewal, `${path}.disableRenewal`),
    allowRenewalAfterExpiry: bool(v.allowRenewalAfterExpiry, `${path}.allowRenewalAfterExpiry`),
  };
  const ms = (s?: string): number | undefined => (s === undefined ? undefined : parseDuration(s));
  const [min, max, def] = [ms(out.minTLSCertDuration), ms(out.maxTLSCertDuration), ms(out.defaultTLSCertDuration)];
  if (min !== undefined && max !== undefined && min > max) fail(`${path}.minTLSCertDuration`, 'is longer than maxTLSCertDuration');
  if (def !== undefined && max !== undefined && def > max) fail(`${path}.defaultTLSCertDuration`, 'is longer than maxTLSCertDuration');
  if (def !== undefined && min !== undefined && def < min) fail(`${path}.defaultTLSCertDuration`, 'is shorter than minTLSCertDuration');
  return out;
}

function provisioner(v: Json, path: string): ProvisionerConfig {
  if (!isObject(v)) fail(path, 'must be an object');
  const type = str(v, 'type', `${path}.type`);
  if (type !== 'JWK') fail(`${path}.type`, `unsupported provisioner type "${type}" (supported: JWK)`);
  const name = str(v, 'name', `${path}.name`);
  const key = v.key;
  if (!isObject(key)) fail(`${path}.key`, 'must be a public JWK object');
  str(key, 'kty', `${path}.key.kty`);
  str(key, 'kid', `${path}.key.kid`);
  if ('d' in key) fail(`${path}.key`, 'must be a public key (it has a private part "d")');
  const encryptedKey = v.encryptedKey;
  if (encryptedKey !== undefined && (typeof encryptedKey !== 'string' || encryptedKey.split('.').length !== 5)) fail(`${path}.encryptedKey`, 'must be a JWE in compact form');
  const options = v.options;
  if (options !== undefined && !isObject(options)) fail(`${path}.options`, 'must be an object');
  return { type, name, key: key as JwkConfig, encryptedKey, claims: claims(v.claims, `${path}.claims`), options };
}

function db(v: Json): DbConfig {
  if (v === undefined) return { type: 'sqlite', dataSource: HomeLayout.sqlite };
  if (!isObject(v)) fail('db', 'must be an object');
  const type = str(v, 'type', 'db.type');
  if (type !== 'sqlite' && type !== 'postgresql') fail('db.type', `unsupported database type "${type}" (supported: sqlite, postgresql)`);
  return { type, dataSource: str(v, 'dataSource', 'db.dataSource') };
}

/** How often peers are synced unless `federation.refresh` says otherwise. */
export const DEFAULT_FEDERATION_REFRESH = '1h';

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
  return { url, fingerprint };
}

function federation(v: Json): FederationConfig {
  if (v === undefined) return { peers: [], refresh: DEFAULT_FEDERATION_REFRESH };
  if (!isObject(v)) fail('federation', 'must be an object such as {"peers": [...], "refresh": "1h"}');
  const peersRaw = v.peers ?? [];
  if (!Array.isArray(peersRaw)) fail('federation.peers', 'must be a list');
  const peers = peersRaw.map((p, i) => peer(p, `federation.peers[${i}]`));
  for (const [i, p] of peers.entries()) {
    if (peers.findIndex((q) => q.url === p.url) !== i) fail(`federation.peers[${i}].url`, `duplicate peer ${p.url}`);
  }
  return { peers, refresh: duration(v.refresh, 'federation.refresh') ?? DEFAULT_FEDERATION_REFRESH };
}

/** Validates parsed ca.json; throws ConfigError naming the first bad key. */
export function validateConfig(raw: Json): CaConfig {
  if (!isObject(raw)) fail('ca.json', 'must be a JSON object');
  const root = strList(raw.root, 'root', true);
  if (root.length === 0) fail('root', 'is required');
  const address = str(raw, 'address', 'address');
  try {
    parseAddress(address);
  } catch {
    // The same grammar the server listens with, so an address that passes here can be bound.
    fail('address', `must be HOST:PORT, [IPv6]:PORT or :PORT, got "${address}"`);
  }
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
  return {
    root,
    federatedRoots: strList(raw.federatedRoots, 'federatedRoots'),
    federation: federation(raw.federation),
    crt: str(raw, 'crt', 'crt'),
    key: str(raw, 'key', 'key'),
    address,
    dnsNames,
    db: db(raw.db),
    authority: { claims: claims(authority.claims, 'authority.claims'), provisioners },
    crl: { enabled: bool(crl.enabled, 'crl.enabled') ?? true, cacheDuration: duration(crl.cacheDuration, 'crl.cacheDuration') },
  };
}

/** Reads and validates `config/ca.json` of a home. Throws ConfigError with a one-line reason. */
export function loadConfig(home: string): CaConfig {
  const file = inHome(home, HomeLayout.config);
  const text = readFileOr(file, (code) => new ConfigError(`${file}: cannot read the configuration (${code}; run "fedca init" first?)`)).toString('utf8');
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return validateConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: ${err.message}`);
    throw err;
  }
}
