import { X509Certificate } from 'node:crypto';
import { pemBundle } from '../pki/pem.js';
import type { SignResponse } from '../sdk/wire.js';

export { pemLine } from '../pki/pem.js';

/** The chain of a sign (renew, rekey) response as one PEM file: the leaf, then the intermediate. */
export function chainPem(signed: SignResponse): string {
  return pemBundle(signed.certChain);
}

/** A certificate's serial as `fedca inspect` shows it: lower-case hex, then decimal. */
export function serialText(leaf: X509Certificate): string {
  const hex = leaf.serialNumber.toLowerCase();
  return `${hex} (${BigInt('0x' + hex).toString(10)})`;
}

/** What the CA issued, for the user: serial and validity, one line each. */
export function issuedLines(leaf: X509Certificate): string[] {
  return [`serial:     ${serialText(leaf)}`, `not before: ${new Date(leaf.validFrom).toISOString()}`, `not after:  ${new Date(leaf.validTo).toISOString()}`];
}
