import { decodeJwt } from 'jose';

/**
 * The SANs a sign token allows, so that a CSR asks for what the token names:
 * its `sans` claim, else `[subject]` (api.md: absent means `[sub]`).
 * Throws TypeError when the token is not a JWT.
 */
export function tokenSans(token: string, subject: string): string[] {
  let sans: unknown;
  try {
    ({ sans } = decodeJwt(token));
  } catch {
    throw new TypeError('the token is not a JWT');
  }
  if (Array.isArray(sans) && sans.length > 0 && sans.every((s) => typeof s === 'string')) return sans as string[];
  return [subject];
}
