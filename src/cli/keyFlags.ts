import type { Command } from 'commander';
import { RSA_BITS, type KeySpec, type KeyType } from '../pki/keys.js';
import { CliError } from './fail.js';
import { ecCurve, keyType, positiveInteger } from './options.js';
import { addStepAlias } from './stepAliases.js';

/** The options that say what key to generate. */
export interface KeyFlags {
  kty?: KeyType;
  size?: number;
  curve?: KeySpec['curve'];
}

/** Adds `--kty`, `--curve` and `--size`; with `keepsCurrent` the help says that the current key's type, curve or size is the default. */
export function addKeyOptions(command: Command, keepsCurrent = false): Command {
  const current = keepsCurrent ? "the current key's, else " : '';
  command
    .option('--kty <type>', `key type: EC, RSA or OKP (Ed25519) (default: ${keepsCurrent ? "the current key's type" : 'EC, RSA 2048 for the aws-client-vpn profiles'}; --curve implies EC, --size RSA)`, keyType)
    .option('--curve <curve>', `EC curve: P-256, P-384 or P-521 (default: ${current}P-256)`, ecCurve)
    .option('--size <bits>', `RSA key size in bits, 2048-8192 (default: ${current}2048)`, positiveInteger);
  return addStepAlias(command, '--crv <curve>', '--curve', ecCurve);
}

/** The key generated for a profile unless the flags say otherwise: AWS Client VPN takes RSA only (see pki/awsClientVpn.ts). */
export const defaultKeyFor = (profile: string | undefined): KeySpec => (profile?.startsWith('aws-client-vpn-') ? { kty: 'RSA', size: 2048 } : { kty: 'EC' });

/**
 * The key to generate: the flags, else `fallback` (whose curve or size applies
 * only when the type is the fallback's). Throws CliError for options that do
 * not fit the key type.
 */
export function keySpec(flags: KeyFlags, fallback: KeySpec): KeySpec {
  const kty = flags.kty ?? (flags.curve ? 'EC' : flags.size !== undefined ? 'RSA' : fallback.kty);
  if (flags.curve && kty !== 'EC') throw new CliError('--curve applies to --kty EC only');
  if (flags.size !== undefined && kty !== 'RSA') throw new CliError('--size applies to --kty RSA only');
  if (flags.size !== undefined && (flags.size < RSA_BITS.min || flags.size > RSA_BITS.max)) throw new CliError(`--size must be between ${RSA_BITS.min} and ${RSA_BITS.max}`);
  const inherited = kty === fallback.kty ? fallback : { kty };
  return { kty, curve: flags.curve ?? inherited.curve, size: flags.size ?? inherited.size };
}
