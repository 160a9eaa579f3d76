import { X509Certificate } from 'node:crypto';
import { Unauthorized } from '../errors.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import { type Issuer } from '../pki/issuer.js';
import { fingerprint } from '../pki/fingerprint.js';
import { commonNameOf } from '../pki/name.js';
import { decodeJws, verifyJws } from '../provisioners/jws.js';
import { audienceMatches, checkRegisteredClaims } from '../provisioners/tokenClaims.js';
import type { UsedToken } from '../store/store.js';
import { verifyOwnCertificate } from './ownCertificate.js';

const RENEW_PATHS = ['/1.0/renew', '/renew'];

/** A renew token that passed: the certificate it renews and the id to burn. */
export interface RenewTokenGrant {
  readonly certificate: ParsedCertificate;
  readonly token: UsedToken;
}

/**
 * Checks a renew token (api.md): a JWS signed by the key of the certificate in its
 * `x5c` header, that certificate issued by this CA, `aud` …/renew, `sub` its CN.
 * Works for an expired certificate too: the caller applies the renewal rules.
 */
export function verifyRenewToken(token: string, intermediate: Issuer, dnsNames: readonly string[], now: Date): RenewTokenGrant {
  const jws = decodeJws(token);
  const leafB64 = jws.header.x5c?.[0];
  if (!leafB64) throw new Unauthorized('invalid renew token: no certificate (x5c) in its header');
  const der = Buffer.from(leafB64, 'base64');
  const certificate = verifyOwnCertificate(der, intermediate);
  if (!verifyJws(jws, new X509Certificate(der).publicKey)) throw new Unauthorized('invalid renew token: signature verification failed');
  const claims = checkRegisteredClaims(jws.claims, now);
  if (!audienceMatches(claims.aud, dnsNames, RENEW_PATHS)) throw new Unauthorized("invalid renew token: audience (aud) is not this CA's renew endpoint");
  const cn = commonNameOf(certificate.subject);
  if (cn !== '' && claims.sub !== cn) throw new Unauthorized('invalid renew token: subject (sub) is not the certificate\'s common name');
  return { certificate, token: { id: `renew:${fingerprint(der)}:${claims.jti}`, expiresAt: claims.exp } };
}
