/** The errors of config/: each carries a stable `code`. */

/** A configuration problem: names the key and what is wrong with it. */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
}
