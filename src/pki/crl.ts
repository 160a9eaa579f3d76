import { bitString, explicit, integer, sequence, time } from './der.js';
import { authorityKeyIdentifier, extension } from './extensions.js';
import type { Issuer } from './issuer.js';
import { OID } from './oids.js';
import { encodeRevokedCertificates } from './revokedCertificates.js';

/** One revoked certificate on a CRL. */
export interface CrlEntry {
  readonly serial: bigint;
  readonly revokedAt: Date;
  /** RFC 5280 CRLReason; 0 (unspecified) is left out of the entry, as §5.3.1 asks. */
  readonly reasonCode: number;
}

/** What a CRL says. */
export interface CrlContents {
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: readonly CrlEntry[];
}

/** Encodes and signs an RFC 5280 v2 CRL (AKI and cRLNumber extensions); returns its DER. */
export function signCrl(contents: CrlContents, issuer: Issuer): Buffer {
  const tbs = sequence(
    integer(1),
    issuer.signer.algorithm,
    issuer.certificate.subject,
    time(contents.thisUpdate),
    time(contents.nextUpdate),
    // An empty list must be left out, not sent empty (§5.1.2.6).
    ...(contents.entries.length ? [encodeRevokedCertificates(contents.entries)] : []),
    explicit(0, sequence(authorityKeyIdentifier(issuer.keyId), extension(OID.cRLNumber, integer(contents.crlNumber)))),
  );
  return sequence(tbs, issuer.signer.algorithm, bitString(issuer.signer.sign(tbs)));
}
