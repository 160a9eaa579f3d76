import { InitError } from '../home/errors.js';
import { ConfigError } from '../config/errors.js';

/** A CLI usage or input error: printed as one line, exit code 2 unless given. */
export class CliError extends Error {
  readonly code = 'ERR_CLI';

  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** Exit code for an error: 2 for bad config, init input or usage, 1 for everything else. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ConfigError || err instanceof InitError) return 2;
  return 1;
}

/**
 * Wraps a command action: any error becomes one line on stderr ("fedca: ...")
 * and a non-zero exit, never a stack trace.
 */
export function action<A extends unknown[]>(run: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (err) {
      process.stderr.write(`fedca: ${(err as Error).message ?? String(err)}\n`);
      process.exit(exitCodeOf(err));
    }
  };
}
