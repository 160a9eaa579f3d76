import { randomBytes } from 'node:crypto';

/** A fresh random id for an ACME resource, nonce or challenge token: 128 bits (tokens: 256), base64url. */
export function acmeId(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
