import type { ClaimsConfig, ProvisionerConfig } from '../config/caConfig.js';
import type { Claims } from './claims.js';

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
