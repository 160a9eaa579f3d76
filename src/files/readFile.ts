import { readFileSync } from 'node:fs';
import { errnoCode } from './errno.js';

/**
 * Reads a file, or throws what `fail` makes of the reason it cannot be read
 * (the errno code, "ENOENT"), so each caller says why in its own error class:
 * `readFileOr(file, (code) => new ConfigError(\`key: cannot read ${file} (${code})\`))`.
 */
export function readFileOr(file: string, fail: (code: string) => Error): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw fail(errnoCode(err));
  }
}

/** readFileOr, but undefined when there is no such file (ENOENT). */
export function readFileIfExists(file: string, fail: (code: string) => Error): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw fail(errnoCode(err));
  }
}
