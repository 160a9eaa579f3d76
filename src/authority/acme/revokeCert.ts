import { AuthorityError } from '../../errors.js';
import { crlReasonName, isCrlReason } from '../../pki/crlReason.js';
import { readSpki } from '../../pki/spki.js';
import { verifyOwnCertificate } from '../ownCertificate.js';
import { acmeAccountOf } from './certificateOwner.js';
import { jwkThumbprint, verifyAcmeRequest } from './jwsRequest.js';
import { AcmeProblem } from './problem.js';
import type { AcmeAnswer, AcmeScope } from './scope.js';

/**
 * revokeCert (RFC 8555 §7.6): signed by the account the certificate was issued to
 * (`kid`), or by the certificate's own key (`jwk`). The certificate must be one this
 * provisioner issued; another account's key is unauthorized; a revoked one
 * alreadyRevoked; a reason outside RFC 5280's badRevocationReason. The revocation is
 * recorded as any other (CRL, OCSP).
 */
export async function revokeCert(scope: AcmeScope, body: unknown): Promise<AcmeAnswer> {
  const { store, provisioner, links, now, authority } = scope;
  const request = await verifyAcmeRequest(body, { store, provisioner: provisioner.name, links, url: links.revokeCert, naming: 'either', now });
  const certificateText = request.payload?.certificate;
  if (typeof certificateText !== 'string' || !/^[A-Za-z0-9_-]+$/.test(certificateText)) throw new AcmeProblem('malformed', 'revokeCert needs "certificate": a base64url DER certificate');
  const reason = request.payload?.reason ?? 0;
  if (typeof reason !== 'number' || !isCrlReason(reason)) throw new AcmeProblem('badRevocationReason', 'reason must be an RFC 5280 CRLReason: 0-6 or 8-10');
  const der = Buffer.from(certificateText, 'base64url');
  let serial: string;
  let publicKey: Buffer;
  try {
    const parsed = verifyOwnCertificate({ der, chainVerified: false }, authority.intermediate);
    serial = parsed.serial.toString(10);
    publicKey = parsed.publicKey;
  } catch (err) {
    if (err instanceof AuthorityError) throw new AcmeProblem('unauthorized', 'the certificate was not issued by this CA');
    throw err;
  }
  const issued = await store.certificate(serial);
  const owner = issued && acmeAccountOf(issued.der, provisioner.name);
  if (!issued || owner === undefined) throw new AcmeProblem('unauthorized', `the certificate was not issued through ACME provisioner "${provisioner.name}"`);
  if (request.account) {
    if (request.account.id !== owner) throw new AcmeProblem('unauthorized', 'the account does not own this certificate');
  } else {
    const jwk = readSpki(publicKey).jwk;
    const thumbprint = jwk ? await jwkThumbprint(jwk as Record<string, string>).catch(() => undefined) : undefined;
    if (thumbprint !== request.thumbprint) throw new AcmeProblem('unauthorized', "the request is signed neither by the certificate's account nor by its key");
  }
  const outcome = await authority.revokeAuthorized(issued, reason, `ACME revokeCert: ${crlReasonName(reason)}`, provisioner.name, now);
  if (outcome === 'already-revoked') throw new AcmeProblem('alreadyRevoked', `certificate with serial ${serial} is already revoked`);
  return { status: 200 };
}
