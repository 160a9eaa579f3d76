import type { KeyObject } from 'node:crypto';
import type { Command } from 'commander';
import type { KeySpec, KeyType } from '../pki/keys.js';
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
    .option('--kty <type>', `key type: EC, RSA or OKP (Ed25519) (default: ${keepsCurrent ? "the current key's type" : 'EC'}; --curve implies EC, --size RSA)`, keyType)
    .option('--curve <curve>', `EC curve: P-256, P-384 or P-521 (default: ${current}P-256)`, ecCurve)
    .option('--size <bits>', `RSA key size in bits, 2048-8192 (default: ${current}2048)`, positiveInteger);
  return addStepAlias(command, '--crv <curve>', '--curve', ecCurve);
}

const CURVES: Readonly<Record<string, KeySpec['curve']>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** The spec of an existing key (what a rekey keeps unless told otherwise); EC P-256 for a key type fedca does not generate. */
export function keySpecOf(key: KeyObject): KeySpec {
  if (key.asymmetricKeyType === 'rsa') return { kty: 'RSA', size: key.asymmetricKeyDetails?.modulusLength };
  if (key.asymmetricKeyType === 'ed25519') return { kty: 'OKP' };
  return { kty: 'EC', curve: CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''] };
}

/**
 * The key to generate: the flags, else `fallback` (whose curve or size applies
 * only when the type is the fallback's). Throws CliError for options that do
 * not fit the key type.
 */
export function keySpec(flags: KeyFlags, fallback: KeySpec): KeySpec {
  const kty = flags.kty ?? (flags.curve ? 'EC' : flags.size !== undefined ? 'RSA' : fallback.kty);
  if (flags.curve && kty !== 'EC') throw new CliError('--curve applies to --kty EC only');
  if (flags.size !== undefined && kty !== 'RSA') throw new CliError('--size applies to --kty RSA only');
  if (flags.size !== undefined && (flags.size < 2048 || flags.size > 8192)) throw new CliError('--size must be between 2048 and 8192');
  const inherited = kty === fallback.kty ? fallback : { kty };
  return { kty, curve: flags.curve ?? inherited.curve, size: flags.size ?? inherited.size };
}
