import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CaClient, Provisioner, type TokenSource } from '../../src/sdk/index.js';

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

/** What a workload (demo server or client) is started with on the command line. */
export interface WorkloadArgs {
  /** Its CA (`--ca-url`, trusted by `--root`). */
  readonly client: CaClient;
  /** `--token` (one-time), else a Provisioner unlocked by `--password-file` that mints tokens. */
  readonly token: TokenSource;
  /** A string option's value. */
  option(name: string): string | undefined;
  /** A repeatable string option's values. */
  options(name: string): string[];
}

const COMMON: NonNullable<ParseArgsConfig['options']> = {
  'ca-url': { type: 'string' },
  root: { type: 'string' },
  token: { type: 'string' },
  'password-file': { type: 'string' },
  lifetime: { type: 'string' },
};

/** Parses a workload's arguments (the common ones and `extra`); throws Error(`usage`) when the CA or the token source is missing. */
export async function workloadArgs(usage: string, extra: NonNullable<ParseArgsConfig['options']>): Promise<WorkloadArgs> {
  const { values } = parseArgs({ options: { ...COMMON, ...extra } });
  const caUrl = values['ca-url'];
  const root = values.root;
  const token = values.token;
  const passwordFile = values['password-file'];
  if (typeof caUrl !== 'string' || typeof root !== 'string' || (typeof token !== 'string') === (typeof passwordFile !== 'string')) throw new Error(usage);
  const option = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const options = (name: string): string[] => {
    const value = values[name];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  };
  const client = new CaClient({ caUrl, rootPem: readFileSync(root, 'utf8') });
  if (typeof token === 'string') return { client, token, option, options };
  const password = readFileSync(passwordFile as string, 'utf8').replace(/\r?\n$/, '');
  return { client, token: await Provisioner.load(client, {}, password), option, options };
}

/** Runs until SIGINT or SIGTERM, then `stop()` and exit 0. */
export function untilSignal(stop: () => Promise<void>): void {
  const handler = (): void => {
    void stop().then(() => process.exit(0));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
