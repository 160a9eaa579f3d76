import type { Command } from 'commander';
import { CaClient } from '../sdk/caClient.js';
import { readClientDefaults, resolveClientHome } from '../sdk/clientHome.js';
import { parseFingerprint, pemFingerprint } from '../sdk/fingerprint.js';
import { CliError } from './fail.js';
import { readInputFile } from './inputFile.js';

/** The options that say which CA to talk to and which root to trust. */
export interface CaFlags {
  caUrl?: string;
  root?: string;
  fingerprint?: string;
}

/** Adds `--ca-url`, `--root` and `--fingerprint` to a command. */
export function addCaOptions(command: Command): Command {
  return command
    .option('--ca-url <url>', 'the CA, https://host[:port] (default: the ca-url saved by fedca bootstrap)')
    .option('--root <file>', 'PEM root certificate to trust for the CA (default: the root saved by fedca bootstrap)')
    .option('--fingerprint <hex>', 'SHA-256 fingerprint of the CA root: fetch the root from the CA and trust it only if it matches (instead of --root)');
}

/** The PEM root in `file`, which must have `fingerprint` when one is given. */
function readRoot(file: string, fingerprint: string | undefined): string {
  const pem = readInputFile(file, 'the root file').toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`${file} holds no PEM certificate`);
  if (fingerprint && pemFingerprint(pem) !== fingerprint) throw new CliError(`the root in ${file} does not have fingerprint ${fingerprint}`);
  return pem;
}

/**
 * A client for the CA the flags name, falling back to the client home's
 * bootstrap defaults: `--root` (checked against `--fingerprint` when both are
 * given), else `--fingerprint` (bootstraps over the network), else the saved
 * root (checked against the saved fingerprint).
 * `options.timeoutMs` bounds each request to the CA.
 * Throws CliError when no CA URL or root is known, or they disagree; the SDK's
 * errors when bootstrapping fails.
 */
export async function connectToCa(flags: CaFlags, options: { readonly timeoutMs?: number } = {}): Promise<CaClient> {
  const defaults = readClientDefaults(resolveClientHome());
  const caUrl = flags.caUrl ?? defaults.caUrl;
  if (!caUrl) throw new CliError('no CA URL: pass --ca-url, or run fedca bootstrap first');
  const fingerprint = flags.fingerprint === undefined ? undefined : parseFingerprint(flags.fingerprint);
  if (flags.root) return new CaClient({ caUrl, rootPem: readRoot(flags.root, fingerprint), ...options });
  if (fingerprint) return CaClient.bootstrap(caUrl, fingerprint, options);
  if (defaults.root) return new CaClient({ caUrl, rootPem: readRoot(defaults.root, defaults.fingerprint), ...options });
  throw new CliError('no root to trust: pass --root or --fingerprint, or run fedca bootstrap first');
}
