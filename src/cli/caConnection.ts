import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CaClient } from '../sdk/caClient.js';
import { readClientDefaults, resolveClientHome } from '../sdk/clientHome.js';
import { parseFingerprint, pemFingerprint } from '../sdk/fingerprint.js';
import { CliError } from './fail.js';

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

function readRoot(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the root file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`${file} holds no PEM certificate`);
  return pem;
}

/**
 * A client for the CA the flags name, falling back to the client home's
 * bootstrap defaults: `--root` (checked against `--fingerprint` when both are
 * given), else `--fingerprint` (bootstraps over the network), else the saved root.
 * Throws CliError when no CA URL or root is known, or they disagree; the SDK's
 * errors when bootstrapping fails.
 */
export async function connectToCa(flags: CaFlags): Promise<CaClient> {
  const defaults = readClientDefaults(resolveClientHome());
  const caUrl = flags.caUrl ?? defaults.caUrl;
  if (!caUrl) throw new CliError('no CA URL: pass --ca-url, or run fedca bootstrap first');
  const fingerprint = flags.fingerprint === undefined ? undefined : parseFingerprint(flags.fingerprint);
  if (flags.root) {
    const rootPem = readRoot(flags.root);
    if (fingerprint && pemFingerprint(rootPem) !== fingerprint) throw new CliError(`the root in ${flags.root} does not have fingerprint ${fingerprint}`);
    return new CaClient({ caUrl, rootPem });
  }
  if (fingerprint) return CaClient.bootstrap(caUrl, fingerprint);
  if (defaults.root) return new CaClient({ caUrl, rootPem: readRoot(defaults.root) });
  throw new CliError('no root to trust: pass --root or --fingerprint, or run fedca bootstrap first');
}
