import { readFileSync, statSync } from 'node:fs';
import { replaceFile } from '../files/replaceFiles.js';
import type { CaConfig } from './caConfig.js';
import { HomeLayout, inHome } from './home.js';
import { loadConfig, validateConfig } from './load.js';
import { ConfigError } from './errors.js';

/** ca.json as JSON, for edits that keep every key they do not touch. */
export type RawConfig = Record<string, unknown>;

/**
 * Edits `config/ca.json` of a home: reads it (it must be valid now), applies
 * `edit` to the parsed JSON, validates the result like `start` would, and
 * replaces the file atomically and durably (replaceFile) with the same mode. Returns the new config.
 * Throws ConfigError (nothing written) when the file is invalid before or after.
 */
export function updateConfig(home: string, edit: (raw: RawConfig) => void): CaConfig {
  loadConfig(home);
  const file = inHome(home, HomeLayout.config);
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawConfig;
  edit(raw);
  let config: CaConfig;
  try {
    config = validateConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${file}: the edit would make it invalid: ${err.message}`);
    throw err;
  }
  replaceFile(file, JSON.stringify(raw, null, 2) + '\n', statSync(file).mode & 0o777);
  return config;
}
