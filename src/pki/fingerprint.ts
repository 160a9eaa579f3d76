import { createHash } from 'node:crypto';
import { pemDers } from './pem.js';

/** SHA-256 fingerprint of a certificate's DER, lower-case hex (step-ca's form). */
export function fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Strips what api.md lets a fingerprint carry (`-`, `:`, spaces) and lower-cases it. */
export const normaliseFingerprint = (text: string): string => text.replace(/[-:\s]/g, '').toLowerCase();

/**
 * Normalises a SHA-256 certificate fingerprint as api.md accepts it (any case,
 * `-`, `:` and spaces ignored) to 64 lower-case hex digits.
 * Throws TypeError when the text is not one.
 */
export function parseFingerprint(text: string): string {
  const hex = normaliseFingerprint(text);
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError(`"${text}" is not a SHA-256 fingerprint (64 hex digits)`);
  return hex;
}

/** The SHA-256 fingerprint of the first certificate of a PEM text; throws TypeError when it holds none. */
export function pemFingerprint(pem: string): string {
  const [der] = pemDers(pem);
  if (!der) throw new TypeError('no PEM certificate found');
  return fingerprint(der);
}
