import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Prints an error as one line and exits non-zero: how the demo's scripts fail. */
export function exitWith(err: unknown): never {
  process.stderr.write(`${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
}
