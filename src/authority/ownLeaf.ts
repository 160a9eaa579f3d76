import type { KeyObject } from 'node:crypto';
import { wholeSeconds } from '../pki/der.js';
import { classifySans } from '../pki/extensions.js';
import { newSerial, serialDecimal, type Issuer } from '../pki/issuer.js';
import { generateKey, spkiDer } from '../pki/keys.js';
import { BACKDATE_MS, issueLeaf } from '../pki/issueCertificate.js';
import type { IssuedCertificate } from '../store/store.js';

/** What the CA issues to itself: its TLS server certificate, its OCSP responder certificate. */
export interface OwnLeafRequest {
  readonly commonName: string;
  readonly names: readonly string[];
  readonly extKeyUsages: readonly string[];
  readonly extraExtensions?: readonly Buffer[];
  readonly lifetimeMs: number;
}

/** A certificate the CA issued to itself, with its fresh key. */
export interface OwnLeaf {
  readonly key: KeyObject;
  readonly der: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** What the store must record about it (the caller stores it). */
  readonly record: IssuedCertificate;
}

/**
 * Issues the CA a certificate of its own under `intermediate`, with a fresh EC
 * key, backdated like every certificate, never outliving the intermediate, with
 * the record the store keeps of it like of any other (no provisioner). Its
 * notBefore and notAfter are whole seconds, as the certificate holds them.
 */
export function issueOwnLeaf(request: OwnLeafRequest, intermediate: Issuer, now = new Date()): OwnLeaf {
  const key = generateKey({ kty: 'EC' });
  const serial = newSerial();
  // The times as the DER holds them, since the caller schedules the renewal by them.
  const notBefore = wholeSeconds(new Date(now.getTime() - BACKDATE_MS));
  const notAfter = wholeSeconds(new Date(Math.min(now.getTime() + request.lifetimeMs, intermediate.certificate.notAfter.getTime())));
  const der = issueLeaf(
    {
      commonName: request.commonName,
      sans: classifySans(request.names),
      publicKey: spkiDer(key),
      notBefore,
      notAfter,
      extKeyUsages: request.extKeyUsages,
      extraExtensions: request.extraExtensions,
    },
    intermediate,
    serial,
  );
  const record = { serial: serialDecimal(serial), der, commonName: request.commonName, notBefore, notAfter, provisioner: '' };
  return { key, der, notBefore, notAfter, record };
}
