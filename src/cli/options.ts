import { InvalidArgumentError } from 'commander';
import type { KeyType } from '../pki/keys.js';

/** Parses a comma-separated list option ("a,b"), dropping blanks. */
export function commaList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Parses --kty. */
export function keyType(value: string): KeyType {
  const v = value.toUpperCase();
  if (v !== 'EC' && v !== 'RSA' && v !== 'OKP') throw new InvalidArgumentError('must be EC, RSA or OKP');
  return v;
}
