import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { CaConfig } from './caConfig.js';
import { HomeLayout, inHome } from './home.js';
import { ConfigError, loadConfig, validateConfig } from './load.js';

/** ca.json as JSON, for edits that keep every key they do not touch. */
export type RawConfig = Record<string, unknown>;

/**
 * Edits `config/ca.json` of a home: reads it (it must be valid now), applies
 * `edit` to the parsed JSON, validates the result like `start` would, and
 * replaces the file atomically with the same mode. Returns the new config.
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
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, JSON.stringify(raw, null, 2) + '\n', { mode: statSync(file).mode & 0o777 });
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  return config;
}
