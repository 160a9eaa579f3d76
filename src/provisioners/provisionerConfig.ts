import type { ClaimsConfig, ProvisionerConfig } from '../config/caConfig.js';
import type { Claims } from './claims.js';
import type { ProvisionerInfo } from './provisioner.js';
import { parseDuration } from '../config/duration.js';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pemDers } from '../pki/pem.js';
import { inHome } from '../config/home.js';

/**
 * A provisioner's own config key is wrong: `key` is its path inside the entry
 * (`clientID`, `key.kid`), so the loader can name `authority.provisioners[i].<key>`.
 */
export class ProvisionerConfigError extends Error {
  readonly code = 'ERR_PROVISIONER_CONFIG';
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${key}: ${problem}`);
  }
}

/** What a provisioner type is built with besides its own config entry. */
export interface ProvisionerEnvironment {
  /** The CA's home: relative file names in a provisioner's config resolve against it. */
  readonly home: string;
  /** authority.claims, under the provisioner's own. */
  readonly globalClaims?: ClaimsConfig;
}

/** Builds a provisioner of one type from its config entry; throws ProvisionerConfigError naming the bad key. */
export type ProvisionerFactory<P> = (config: ProvisionerConfig, claims: Claims, environment: ProvisionerEnvironment) => P;

/** The non-empty string at `key`; ProvisionerConfigError otherwise. */
export function requiredString(config: Readonly<Record<string, unknown>>, key: string, path = key): string {
  const v = config[key];
  if (typeof v !== 'string' || v === '') throw new ProvisionerConfigError(path, v === undefined ? 'is required' : 'must be a non-empty string');
  return v;
}

/** The string at `key` when present (non-empty); ProvisionerConfigError when it is something else. */
export function optionalString(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  return config[key] === undefined ? undefined : requiredString(config, key);
}

/** The list of non-empty strings at `key` ([] when absent); ProvisionerConfigError otherwise. */
export function stringList(config: Readonly<Record<string, unknown>>, key: string): string[] {
  const v = config[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) throw new ProvisionerConfigError(key, 'must be a list of non-empty strings');
  return v as string[];
}

/** The boolean at `key` (false when absent); ProvisionerConfigError when it is something else. */
export function optionalBoolean(config: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = config[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new ProvisionerConfigError(key, 'must be true or false');
  return v;
}

/** The Go duration at `key` in milliseconds ("1h30m"; undefined when absent); ProvisionerConfigError when it is not one or is negative. */
export function optionalDuration(config: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const v = config[key];
  if (v === undefined || v === '') return undefined;
  const ms = typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined) throw new ProvisionerConfigError(key, `must be a duration such as "1h30m", got ${JSON.stringify(v)}`);
  if (ms < 0) throw new ProvisionerConfigError(key, 'cannot be negative');
  return ms;
}

/**
 * The PEM bundle the file at `key` holds (relative to the home), when the key is set:
 * what an identity provider's HTTPS must chain to (`caBundle`), AWS's `iidRoots`.
 */
export function optionalCaBundle(config: Readonly<Record<string, unknown>>, key: string, home: string): string | undefined {
  const file = optionalString(config, key);
  if (file === undefined) return undefined;
  try {
    return readFileSync(inHome(home, file), 'utf8');
  } catch (err) {
    throw new ProvisionerConfigError(key, `cannot read ${inHome(home, file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * The PEM at `key` as step-ca writes it (base64 of the PEM: Go's []byte in JSON) or, as
 * fedca also takes it, the PEM itself or a file holding it (relative to the home).
 * `marker` tells PEM text from a file name; `what` names the PEM in the error.
 * ProvisionerConfigError when the key is unset or the value is none of these.
 */
export function pemOrFile(config: Readonly<Record<string, unknown>>, key: string, home: string, marker: string, what: string): string {
  const value = requiredString(config, key);
  if (value.includes(marker)) return value;
  if (/^[A-Za-z0-9+/=\s]+$/.test(value)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    if (decoded.includes(marker)) return decoded;
  }
  try {
    return readFileSync(inHome(home, value), 'utf8');
  } catch (err) {
    throw new ProvisionerConfigError(key, `neither ${what} (base64 or not) nor a readable file: ${inHome(home, value)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The certificates of the PEM at `key` (at least one); ProvisionerConfigError when one is malformed or there is none. */
export function pemCertificates(pem: string, key: string): X509Certificate[] {
  let certificates: X509Certificate[];
  try {
    certificates = pemDers(pem).map((der) => new X509Certificate(der));
  } catch {
    throw new ProvisionerConfigError(key, 'holds a malformed certificate');
  }
  if (certificates.length === 0) throw new ProvisionerConfigError(key, 'holds no PEM certificate');
  return certificates;
}

/** The https URL at `key` (or `fallback` when absent); ProvisionerConfigError otherwise. */
export function httpsUrlKey(config: Readonly<Record<string, unknown>>, key: string, fallback?: string): string {
  const value = config[key] === undefined && fallback !== undefined ? fallback : requiredString(config, key);
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') throw new ProvisionerConfigError(key, `must be an https URL, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * A provisioner's `/provisioners` entry as step-ca lists it: `type`, `name`, then each
 * of `keys` (in that order) and `claims`, `options` that the config entry sets; keys
 * it leaves unset are left out.
 */
export function listedEntry<C extends ProvisionerConfig>(config: C, keys: readonly (keyof C & string)[]): ProvisionerInfo {
  const listed: Record<string, unknown> = { type: config.type, name: config.name };
  for (const key of [...keys, 'claims', 'options'] as const) if (config[key] !== undefined) listed[key] = config[key];
  return listed as unknown as ProvisionerInfo;
}
