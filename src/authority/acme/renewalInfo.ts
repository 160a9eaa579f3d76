import { parseCertificate } from '../../pki/certificate.js';
import { readAuthorityKeyIdentifier } from '../../pki/extensionReaders.js';
import { OID } from '../../pki/oids.js';
import { acmeAccountOf } from './certificateOwner.js';
import { readCertificateId } from './certId.js';
import { notFound } from './problem.js';
import type { AcmeAnswer, AcmeScope } from './scope.js';

/** How often clients are asked to check again (RFC 9773 §4.3: Retry-After). */
const CHECK_AGAIN_SECONDS = 6 * 3600;

/** Why the CA wants a certificate replaced now, or undefined when it does not. */
async function replaceNowBecause(scope: AcmeScope, serial: string, der: Buffer, issuerKeyId: Buffer): Promise<string | undefined> {
  if (await scope.store.revocation(serial)) return 'revoked';
  if (!issuerKeyId.equals(scope.authority.intermediate.keyId)) return 'issued by an intermediate the CA no longer issues with';
  const accountId = acmeAccountOf(der, scope.provisioner.name);
  const account = accountId === undefined ? undefined : await scope.store.acmeAccount(accountId);
  if (account && account.status !== 'valid') return `its account is ${account.status}`;
  return undefined;
}

/**
 * ACME Renewal Information (RFC 9773; step-ca has none): GET `renewal-info/<certID>`
 * answers the window in which to renew: from 2/3 to 3/4 of the certificate's
 * lifetime; for a certificate the CA wants replaced (revoked, issued by a rotated-out
 * intermediate, its account deactivated or revoked) a window that has begun and ends now.
 */
export async function renewalInfo(scope: AcmeScope, certificateId: string): Promise<AcmeAnswer> {
  const { keyId, serial } = readCertificateId(certificateId);
  const issued = await scope.store.certificate(serial);
  if (!issued) throw notFound('certificate');
  const aki = parseCertificate(issued.der).extensions.find((e) => e.id === OID.authorityKeyIdentifier);
  const issuerKeyId = aki ? readAuthorityKeyIdentifier(aki.value) : undefined;
  if (!issuerKeyId || !issuerKeyId.equals(keyId)) throw notFound('certificate');
  const begins = issued.notBefore.getTime();
  const lifetime = issued.notAfter.getTime() - begins;
  const why = await replaceNowBecause(scope, serial, issued.der, issuerKeyId);
  const now = scope.now.getTime();
  const window = why
    ? { start: new Date(Math.min(begins, now - 60_000)).toISOString(), end: new Date(now).toISOString() }
    : { start: new Date(begins + (lifetime * 2) / 3).toISOString(), end: new Date(begins + (lifetime * 3) / 4).toISOString() };
  return { status: 200, json: { suggestedWindow: window, ...(why ? { explanation: `the CA wants this certificate replaced: ${why}` } : {}) }, retryAfter: CHECK_AGAIN_SECONDS };
}
