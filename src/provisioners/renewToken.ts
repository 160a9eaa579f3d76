import { createPublicKey } from 'node:crypto';
import { Unauthorized } from '../errors.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { fingerprint } from '../pki/fingerprint.js';
import { commonNameOf } from '../pki/name.js';
import { verifyJws, type DecodedJws } from './jws.js';
import type { AuthorizeContext } from './provisioner.js';
import { audienceMatches, checkRegisteredClaims } from './tokenClaims.js';

const RENEW_PATHS = ['/1.0/renew', '/renew'];

/**
 * Checks a renew token (api.md) for `certificate`, the leaf of its `x5c` header:
 * signed by that certificate's key, `aud` …/renew, `sub` its CN. Resolves the id to
 * burn. Expiry and the renewal claims are the provisioner's to judge.
 */
export function verifyRenewToken(token: DecodedJws, certificate: ParsedCertificate, context: AuthorizeContext): { id: string; expiresAt: Date } {
  const key = createPublicKey({ key: certificate.publicKey, format: 'der', type: 'spki' });
  if (!verifyJws(token, key)) throw new Unauthorized('invalid renew token: signature verification failed');
  const claims = checkRegisteredClaims(token.claims, context.now);
  if (!audienceMatches(claims.aud, context.dnsNames, RENEW_PATHS)) throw new Unauthorized("invalid renew token: audience (aud) is not this CA's renew endpoint");
  const cn = commonNameOf(certificate.subject);
  if (cn !== '' && claims.sub !== cn) throw new Unauthorized("invalid renew token: subject (sub) is not the certificate's common name");
  return { id: `renew:${fingerprint(certificate.der)}:${claims.jti}`, expiresAt: claims.exp };
}
