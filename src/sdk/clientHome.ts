import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readFileIfExists } from '../files/readFile.js';
import { replaceFile } from '../files/replaceFiles.js';
import { ClientHomeError } from './errors.js';

/**
 * The client's home (like step's `~/.step`): where `fedca bootstrap` keeps the
 * CA it trusts, so that later commands need no `--ca-url` or `--root`.
 */
export const ClientHomeLayout = {
  defaults: 'config/defaults.json',
  root: 'certs/root_ca.crt',
} as const;

/** The client defaults `fedca bootstrap` saved. */
export interface ClientDefaults {
  readonly caUrl?: string;
  readonly fingerprint?: string;
  /** Absolute path of the trusted root certificate file. */
  readonly root?: string;
}

/** What bootstrap saves. */
export interface BootstrapRecord {
  readonly caUrl: string;
  readonly fingerprint: string;
  readonly rootPem: string;
}

/** Where bootstrap saved it. */
export interface SavedBootstrap {
  readonly defaultsFile: string;
  readonly rootFile: string;
}

/** The client home: `$FEDCA_CLIENT_HOME`, else `~/.fedca`. */
export function resolveClientHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.FEDCA_CLIENT_HOME || join(homedir(), '.fedca'));
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads `config/defaults.json` of a client home; `{}` when there is none.
 * Throws ClientHomeError when the file exists but is not a JSON object.
 */
export function readClientDefaults(home: string): ClientDefaults {
  const file = join(home, ClientHomeLayout.defaults);
  const bytes = readFileIfExists(file, (code) => new ClientHomeError(`cannot read ${file} (${code})`));
  if (!bytes) return {};
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ClientHomeError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ClientHomeError(`${file} is not a JSON object`);
  const record = json as Record<string, unknown>;
  const root = optionalString(record.root);
  return { caUrl: optionalString(record['ca-url']), fingerprint: optionalString(record.fingerprint), root: root && resolve(home, root) };
}

/** True when `file` exists and holds something other than `content`. */
const holdsOther = (file: string, content: string): boolean => existsSync(file) && readFileSync(file, 'utf8') !== content;

function writeWithParents(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  replaceFile(file, content, 0o644);
}

/**
 * Saves a bootstrapped CA into a client home: the root as `certs/root_ca.crt`
 * and `config/defaults.json` = `{"ca-url", "fingerprint", "root"}`. Saving the
 * same CA again is allowed; replacing another one needs `force`.
 * Throws ClientHomeError (nothing written) when a file holds something else
 * and `force` is not set; file-system errors as they come.
 */
export function saveBootstrap(home: string, record: BootstrapRecord, force = false): SavedBootstrap {
  const rootFile = join(home, ClientHomeLayout.root);
  const defaultsFile = join(home, ClientHomeLayout.defaults);
  const defaults = JSON.stringify({ 'ca-url': record.caUrl, fingerprint: record.fingerprint, root: rootFile }, null, 2) + '\n';
  // Both are checked before either is written, so a refusal leaves the home as it was.
  for (const [file, content] of [[rootFile, record.rootPem], [defaultsFile, defaults]] as const) {
    if (!force && holdsOther(file, content)) throw new ClientHomeError(`${file} already exists with other content; use --force to overwrite it`);
  }
  writeWithParents(rootFile, record.rootPem);
  writeWithParents(defaultsFile, defaults);
  return { defaultsFile, rootFile };
}
