import { createHash } from 'node:crypto';
import {
  bitString,
  children,
  contents,
  explicit,
  expectChildren,
  generalizedTime,
  nullValue,
  octetString,
  oid,
  readBitString,
  readDer,
  readInteger,
  readOid,
  readRoot,
  sequence,
  sequenceOf,
  tlv,
  Tag,
  whole,
  type Element,
} from './der.js';
import { DerError } from './errors.js';
import { extension, keyIdentifier } from './extensions.js';
import { readExtension, type ParsedCertificate, type ParsedExtension } from './certificate.js';
import type { Issuer } from './issuer.js';
import { DIGEST_OF_OID } from './signature.js';

/** OCSP object identifiers (RFC 6960). */
export const OCSP_OID = {
  basic: '1.3.6.1.5.5.7.48.1.1',
  nonce: '1.3.6.1.5.5.7.48.1.2',
  noCheck: '1.3.6.1.5.5.7.48.1.5',
} as const;


/** One CertID of a request: which issuer (by hashes) and which serial. */
export interface CertId {
  /** The CertID's DER, echoed as is in the response. */
  readonly der: Buffer;
  /** node:crypto name of the hash the client used (sha1, sha256, ...), or undefined when unsupported. */
  readonly hash?: string;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  readonly serial: bigint;
}

/** A parsed OCSP request: its CertIDs and nonce, if any. */
export interface OcspRequest {
  readonly certIds: readonly CertId[];
  /** The nonce extension's value (extnValue contents), echoed in the response. */
  readonly nonce?: Buffer;
}

/** The extensions of an Extensions list, read as a certificate's are. */
export function readExtensions(buf: Buffer, list: Element): ParsedExtension[] {
  return children(buf, list).map((ext) => readExtension(buf, ext));
}

/** Reads a CertID element. Throws DerError. */
export function readCertId(der: Buffer, certIdEl: Element): CertId {
  const [alg, nameHash, keyHash, serial] = expectChildren(der, certIdEl, Tag.SEQUENCE, 'CertID');
  const [algOid] = children(der, alg);
  return {
    der: whole(der, certIdEl),
    hash: DIGEST_OF_OID[readOid(der, algOid)],
    issuerNameHash: contents(der, nameHash),
    issuerKeyHash: contents(der, keyHash),
    serial: readInteger(der, serial),
  };
}

/** Parses a DER OCSPRequest (signed requests are read, their signature ignored). Throws DerError on malformed input, and nothing else. */
export function parseOcspRequest(der: Buffer): OcspRequest {
  return readDer('OCSP request', () => readOcspRequest(der));
}

function readOcspRequest(der: Buffer): OcspRequest {
  const [tbs] = expectChildren(der, readRoot(der), Tag.SEQUENCE, 'OCSPRequest');
  if (!tbs) throw new DerError('OCSPRequest without tbsRequest');
  const fields = expectChildren(der, tbs, Tag.SEQUENCE, 'TBSRequest');
  let nonce: Buffer | undefined;
  const certIds: CertId[] = [];
  for (const field of fields) {
    if (field.tag === Tag.SEQUENCE) {
      for (const request of children(der, field)) {
        const [certIdEl] = expectChildren(der, request, Tag.SEQUENCE, 'Request');
        certIds.push(readCertId(der, certIdEl));
      }
    } else if (field.tag === 0xa2) {
      const [list] = children(der, field);
      nonce = readExtensions(der, list).find((e) => e.id === OCSP_OID.nonce)?.value;
    }
  }
  if (certIds.length === 0) throw new DerError('OCSP request names no certificate');
  return { certIds, nonce };
}

/** The subjectPublicKey bits of an SPKI, which OCSP's key hashes cover. */
function publicKeyBits(spki: Buffer): Buffer {
  const [, bits] = children(spki, readRoot(spki));
  return readBitString(spki, bits);
}

/** What a CertID says of its issuer: `hash` of the issuer's subject name and of its public key bits. */
export function issuerHashes(issuer: ParsedCertificate, hash: string): { nameHash: Buffer; keyHash: Buffer } {
  return {
    nameHash: createHash(hash).update(issuer.subject).digest(),
    keyHash: createHash(hash).update(publicKeyBits(issuer.publicKey)).digest(),
  };
}

/** True when a CertID names `issuer` (hashes of its subject name and of its public key bits). */
export function namesIssuer(id: CertId, issuer: Pick<Issuer, 'certificate'>): boolean {
  return issuerMatcher(issuer)(id);
}

/**
 * `namesIssuer` for one issuer asked about again and again (a responder): the
 * issuer's hashes are computed once per hash algorithm clients use, not per request.
 */
export function issuerMatcher(issuer: Pick<Issuer, 'certificate'>): (id: CertId) => boolean {
  const byHash = new Map<string, { nameHash: Buffer; keyHash: Buffer }>();
  return (id) => {
    if (!id.hash) return false;
    let hashes = byHash.get(id.hash);
    if (!hashes) {
      hashes = issuerHashes(issuer.certificate, id.hash);
      byHash.set(id.hash, hashes);
    }
    return hashes.nameHash.equals(id.issuerNameHash) && hashes.keyHash.equals(id.issuerKeyHash);
  };
}

/** The status the CA gives one certificate. */
export type CertStatus =
  | { readonly kind: 'good' }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'revoked'; readonly revokedAt: Date; readonly reasonCode: number };

/** One answer of a response. */
export interface SingleResponse {
  readonly certId: CertId;
  readonly status: CertStatus;
}

/** What a basic OCSP response says. */
export interface OcspResponseContents {
  readonly responses: readonly SingleResponse[];
  readonly producedAt: Date;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly nonce?: Buffer;
}

const GOOD = Buffer.from([0x80, 0]);
const UNKNOWN = Buffer.from([0x82, 0]);
const SUCCESSFUL = tlv(Tag.ENUMERATED, Buffer.from([0]));
const BASIC_TYPE = oid(OCSP_OID.basic);

function certStatus(status: CertStatus): Buffer {
  switch (status.kind) {
    case 'good':
      return GOOD;
    case 'unknown':
      return UNKNOWN;
    case 'revoked': {
      const reason = status.reasonCode === 0 ? [] : [explicit(0, tlv(Tag.ENUMERATED, Buffer.from([status.reasonCode])))];
      return tlv(0xa1, generalizedTime(status.revokedAt), ...reason);
    }
  }
}

/**
 * A delegated responder's signing function for successful OCSPResponses (basic).
 * What every answer of one responder shares (its ResponderID by key hash, the
 * signature algorithm, the certs field carrying its certificate so clients can check
 * it) is encoded here once, so that an answer costs its own few fields and the one signature.
 */
export function ocspResponseSigner(responder: Issuer): (c: OcspResponseContents) => Buffer {
  const responderId = tlv(0xa2, octetString(keyIdentifier(responder.certificate.publicKey)));
  const certs = explicit(0, sequence(responder.certificate.der));
  const { algorithm } = responder.signer;
  return (c) => {
    const thisUpdate = generalizedTime(c.thisUpdate);
    const nextUpdate = explicit(0, generalizedTime(c.nextUpdate));
    const singles = c.responses.map((r) => sequence(r.certId.der, certStatus(r.status), thisUpdate, nextUpdate));
    const producedAt = c.producedAt.getTime() === c.thisUpdate.getTime() ? thisUpdate : generalizedTime(c.producedAt);
    const extensions = c.nonce ? [explicit(1, sequence(extension(OCSP_OID.nonce, c.nonce)))] : [];
    const responseData = sequence(responderId, producedAt, sequenceOf(singles), ...extensions);
    const basic = sequence(responseData, algorithm, bitString(responder.signer.sign(responseData)), certs);
    return sequence(SUCCESSFUL, explicit(0, sequence(BASIC_TYPE, octetString(basic))));
  };
}

/** OCSPResponseStatus values for the unsuccessful answers (RFC 6960 §4.2.1). */
export const OcspError = { malformedRequest: 1, internalError: 2, tryLater: 3, unauthorized: 6 } as const;

/** An unsuccessful OCSPResponse: the status alone. */
export function ocspErrorResponse(status: number): Buffer {
  return sequence(tlv(Tag.ENUMERATED, Buffer.from([status])));
}

/** The no-check extension of a delegated OCSP signing certificate (RFC 6960 §4.2.2.2.1). */
export const ocspNoCheck = (): Buffer => extension(OCSP_OID.noCheck, nullValue());
