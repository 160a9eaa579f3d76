import { contents, integer, readRoot } from '../../pki/der.js';
import { AcmeProblem } from './problem.js';

/** An ARI certificate identifier (RFC 9773 §4.1): the issuer's key identifier and the serial. */
export interface CertificateId {
  /** The authorityKeyIdentifier's keyIdentifier bytes. */
  readonly keyId: Buffer;
  /** The serial, decimal (as the store keys certificates). */
  readonly serial: string;
}

const PART = /^[A-Za-z0-9_-]{1,100}$/;

/** Reads `base64url(AKI keyIdentifier) "." base64url(serial DER INTEGER contents)`; malformed otherwise. */
export function readCertificateId(text: string): CertificateId {
  const parts = text.split('.');
  if (parts.length !== 2 || !parts.every((p) => PART.test(p))) throw new AcmeProblem('malformed', 'certificate identifier must be base64url(keyIdentifier).base64url(serial)');
  const keyId = Buffer.from(parts[0], 'base64url');
  const serialBytes = Buffer.from(parts[1], 'base64url');
  if (keyId.length === 0 || serialBytes.length === 0 || serialBytes.length > 21) throw new AcmeProblem('malformed', 'certificate identifier has an empty key identifier or a bad serial');
  return { keyId, serial: BigInt(`0x${serialBytes.toString('hex')}`).toString(10) };
}

/** The ARI identifier of a certificate issued under `keyId` with decimal serial `serial`. */
export function certificateIdOf(keyId: Buffer, serial: string): string {
  const serialDer = integer(BigInt(serial));
  return `${keyId.toString('base64url')}.${contents(serialDer, readRoot(serialDer)).toString('base64url')}`;
}
