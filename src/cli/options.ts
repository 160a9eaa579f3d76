import { InvalidArgumentError } from 'commander';
import type { DbConfig } from '../config/caConfig.js';
import { parseDuration } from '../config/duration.js';
import { isPostgresUrl } from '../config/databaseUrl.js';
import type { TokenExpiry } from '../sdk/tokenClaims.js';
import { curveNamed, type CurveName } from '../pki/curves.js';
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

/** Accumulates a repeatable option (`--san a --san b`) into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a positive integer option such as `--size`. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Parses `--curve`. */
export function ecCurve(value: string): CurveName {
  const curve = curveNamed(value.toUpperCase());
  if (!curve) throw new InvalidArgumentError('must be P-256, P-384 or P-521');
  return curve.name;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses a time option as api.md's sign request takes it: an RFC 3339 time or
 * a Go duration relative to now ("1h30m"). Returns the text unchanged.
 */
export function timeOrDuration(value: string): string {
  if (parseDuration(value) !== undefined) return value;
  if (RFC3339.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new InvalidArgumentError('must be an RFC 3339 time (2025-01-02T15:04:05Z) or a duration (5m, 1h30m)');
}

/**
 * A token's `--not-after` (a `timeOrDuration` value) as the SDK's token options: a time
 * is the token's `notAfter`; a duration its `lifetimeMs`, counted from the moment the
 * token is signed, so that `--not-after 1m` gives `exp − iat` = 60 however long the
 * provisioner took to load.
 */
export function tokenExpiry(value: string | undefined): TokenExpiry {
  if (value === undefined) return {};
  const ms = parseDuration(value);
  return ms !== undefined ? { lifetimeMs: ms } : { notAfter: new Date(value) };
}

/** Parses a positive Go duration option such as `--expires-in 8h`; returns milliseconds. */
export function positiveDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('must be a positive duration (30s, 8h, 1h30m)');
  return ms;
}

/**
 * Parses a certificate serial number, decimal or `0x` hex (as openssl and
 * `fedca inspect` print it, colons allowed); returns it in decimal, as the API takes it.
 */
export function serialNumber(value: string): string {
  const hex = /^0x([0-9a-f:]+)$/i.exec(value)?.[1]?.replace(/:/g, '');
  if (hex) return BigInt('0x' + hex).toString(10);
  if (/^\d+$/.test(value)) return BigInt(value).toString(10);
  throw new InvalidArgumentError('must be a serial number, decimal or 0x-prefixed hex');
}

/** Parses `--reason-code`: an RFC 5280 CRLReason, 0-10 (the CA refuses 7, which RFC 5280 leaves unused). */
export function crlReasonCode(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 10) throw new InvalidArgumentError('must be an RFC 5280 reason code, 0-10');
  return n;
}

/** What `--format` takes. */
export type OutputFormat = 'text' | 'json';

/** Parses `--format`: text or json. */
export function outputFormat(value: string): OutputFormat {
  if (value !== 'text' && value !== 'json') throw new InvalidArgumentError('must be text or json');
  return value;
}

/** Parses a store location: `postgresql://...` (or `postgres://`), or `sqlite:PATH`. */
export function storeLocation(value: string): DbConfig {
  if (isPostgresUrl(value)) return { type: 'postgresql', dataSource: value };
  const path = /^sqlite:(.+)$/.exec(value)?.[1];
  if (path) return { type: 'sqlite', dataSource: path };
  throw new InvalidArgumentError('must be a postgresql://user@host:port/database URL or sqlite:PATH');
}
