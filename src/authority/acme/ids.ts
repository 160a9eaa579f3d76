import { randomBytes } from 'node:crypto';

/**
 * A fresh random id for an ACME resource, EAB key, nonce or challenge token: base64url
 * of `bytes` random bytes (128 bits; tokens: 256) whose first character is never "-".
 * A person types account and EAB key ids as command-line arguments
 * (`fedca acme account revoke ID`), where a leading "-" reads as an option: one id
 * in 64 would need `--` before it. Clearing the top bit of the first byte keeps the
 * first character in A-Z a-f and costs one bit.
 */
export function acmeId(bytes = 16): string {
  const random = randomBytes(bytes);
  random[0] &= 0x7f;
  return random.toString('base64url');
}
