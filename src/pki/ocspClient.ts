import { X509Certificate, type KeyObject } from 'node:crypto';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { children, contents, expectChildren, explicit, integer, nullValue, octetString, oid, readBitString, readOid, readRoot, readTime, sequence, sequenceOf, Tag, whole, type Element } from './der.js';
import { DerError, OcspResponseError } from './errors.js';
import { readExtKeyUsage } from './extensionReaders.js';
import { extension, keyIdentifier } from './extensions.js';
import { issuerHashes, namesIssuer, OCSP_OID, readCertId, readExtensions, type CertId, type CertStatus } from './ocsp.js';
import { OID } from './oids.js';
import { verifySignature } from './signature.js';
import { importSpki } from './spki.js';

/** The client side of OCSP (RFC 6960): build a request, read and verify the answer. */

const SHA1 = sequence(oid(OID.sha1), nullValue());

/**
 * An OCSPRequest for `serials`, all issued by `issuer`: one CertID each (SHA-1
 * name and key hashes, as OpenSSL and every responder expect), and a nonce
 * extension carrying `nonce` as an OCTET STRING (RFC 8954) — or no extensions at
 * all when `nonce` is undefined (as browsers and Go's x/crypto/ocsp ask: answers a
 * responder may cache).
 */
export function buildOcspRequest(issuer: ParsedCertificate, serials: readonly bigint[], nonce: Buffer | undefined): Buffer {
  const { nameHash, keyHash } = issuerHashes(issuer, 'sha1');
  const requests = serials.map((serial) => sequence(sequence(SHA1, octetString(nameHash), octetString(keyHash), integer(serial))));
  const extensions = nonce === undefined ? [] : [explicit(2, sequence(extension(OCSP_OID.nonce, octetString(nonce))))];
  return sequence(sequence(sequenceOf(requests), ...extensions));
}

/** The nonce extension value a request built with `nonce` carries, as a response echoes it. */
export const nonceValue = (nonce: Buffer): Buffer => octetString(nonce);

/** One answer of a basic response, with the times it is good for. */
export interface SingleOcspAnswer {
  readonly certId: CertId;
  readonly status: CertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
}

/** Who signed a basic response (RFC 6960 §4.2.1 ResponderID). */
export type ResponderId = { readonly byName: Buffer } | { readonly byKey: Buffer };

/** A BasicOCSPResponse, split into what a client checks. */
export interface BasicOcspResponse {
  /** The DER ResponseData: what the signature covers. */
  readonly tbsResponseData: Buffer;
  readonly responderId: ResponderId;
  readonly producedAt: Date;
  readonly answers: readonly SingleOcspAnswer[];
  /** The nonce extension's value (extnValue contents), if any. */
  readonly nonce?: Buffer;
  readonly signatureAlgorithm: string;
  /** DER parameters of the signature algorithm (RSASSA-PSS), if any. */
  readonly signatureParams?: Buffer;
  readonly signature: Buffer;
  /** Certificates (DER) included to help verify the signature: a delegated responder's. */
  readonly certificates: readonly Buffer[];
}

/** An OCSPResponse: its status (0 = successful) and, when successful, the basic response. */
export interface OcspResponse {
  readonly status: number;
  readonly basic?: BasicOcspResponse;
}

/** OCSPResponseStatus names, for messages. */
const RESPONSE_STATUS: Readonly<Record<number, string>> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

/** The name of an OCSPResponseStatus ("unauthorized"), or its number. */
export const responseStatusName = (status: number): string => RESPONSE_STATUS[status] ?? `status ${status}`;

function readCertStatus(der: Buffer, el: Element): CertStatus {
  if (el.tag === 0x80) return { kind: 'good' };
  if (el.tag === 0x82) return { kind: 'unknown' };
  if (el.tag !== 0xa1) throw new DerError(`CertStatus: unexpected DER tag 0x${el.tag.toString(16)}`);
  const [time, reason] = children(der, el);
  const reasonCode = reason ? contents(der, children(der, reason)[0])[0] ?? 0 : 0;
  return { kind: 'revoked', revokedAt: readTime(der, time), reasonCode };
}

function readSingleResponse(der: Buffer, el: Element): SingleOcspAnswer {
  const [certId, status, thisUpdate, ...rest] = expectChildren(der, el, Tag.SEQUENCE, 'SingleResponse');
  if (!thisUpdate) throw new DerError('SingleResponse without thisUpdate');
  const next = rest.find((field) => field.tag === 0xa0);
  return {
    certId: readCertId(der, certId),
    status: readCertStatus(der, status),
    thisUpdate: readTime(der, thisUpdate),
    nextUpdate: next ? readTime(der, children(der, next)[0]) : undefined,
  };
}

function readBasic(der: Buffer): BasicOcspResponse {
  const [tbs, algorithm, signature, certs] = expectChildren(der, readRoot(der), Tag.SEQUENCE, 'BasicOCSPResponse');
  if (!signature) throw new DerError('BasicOCSPResponse: missing fields');
  const fields = expectChildren(der, tbs, Tag.SEQUENCE, 'ResponseData');
  const [responder, producedAt, responses, ...rest] = fields.slice(fields[0]?.tag === 0xa0 ? 1 : 0);
  if (!responses) throw new DerError('ResponseData: missing fields');
  let responderId: ResponderId;
  if (responder.tag === 0xa1) responderId = { byName: whole(der, children(der, responder)[0]) };
  else if (responder.tag === 0xa2) responderId = { byKey: contents(der, children(der, responder)[0]) };
  else throw new DerError('ResponderID: unexpected DER tag');
  const extensions = rest.find((field) => field.tag === 0xa1);
  const nonce = extensions ? readExtensions(der, children(der, extensions)[0]).find((e) => e.id === OCSP_OID.nonce)?.value : undefined;
  const [algorithmOid, algorithmParams] = children(der, algorithm);
  return {
    tbsResponseData: whole(der, tbs),
    responderId,
    producedAt: readTime(der, producedAt),
    answers: expectChildren(der, responses, Tag.SEQUENCE, 'responses').map((r) => readSingleResponse(der, r)),
    nonce,
    signatureAlgorithm: readOid(der, algorithmOid),
    signatureParams: algorithmParams && algorithmParams.tag !== Tag.NULL ? whole(der, algorithmParams) : undefined,
    signature: readBitString(der, signature),
    certificates: certs?.tag === 0xa0 ? children(der, children(der, certs)[0]).map((c) => whole(der, c)) : [],
  };
}

/** Parses a DER OCSPResponse; only the basic response type is read. Throws DerError when malformed. */
export function parseOcspResponse(der: Buffer): OcspResponse {
  const [statusEl, bytesEl] = expectChildren(der, readRoot(der), Tag.SEQUENCE, 'OCSPResponse');
  if (statusEl?.tag !== Tag.ENUMERATED) throw new DerError('OCSPResponse without a responseStatus');
  const status = contents(der, statusEl)[0] ?? 0;
  if (status !== 0) return { status };
  if (!bytesEl || bytesEl.tag !== 0xa0) throw new DerError('a successful OCSPResponse without responseBytes');
  const [type, response] = expectChildren(der, children(der, bytesEl)[0], Tag.SEQUENCE, 'ResponseBytes');
  if (readOid(der, type) !== OCSP_OID.basic) throw new DerError(`OCSP response type ${readOid(der, type)} is not the basic one`);
  return { status, basic: readBasic(contents(der, response)) };
}

const namesResponder = (id: ResponderId, cert: ParsedCertificate): boolean =>
  'byKey' in id ? id.byKey.equals(keyIdentifier(cert.publicKey)) : id.byName.equals(cert.subject);

function hasExtendedKeyUsage(cert: ParsedCertificate, purpose: string): boolean {
  const eku = cert.extensions.find((e) => e.id === OID.extKeyUsage);
  return eku !== undefined && readExtKeyUsage(eku.value).includes(purpose);
}

/** A responder `issuer` authorised (RFC 6960 §4.2.2.2): issued and signed by it, EKU OCSPSigning, valid now. */
function isAuthorisedResponder(cert: ParsedCertificate, issuer: ParsedCertificate, issuerKey: KeyObject, now: Date): boolean {
  return (
    cert.issuer.equals(issuer.subject) &&
    cert.notBefore <= now &&
    now <= cert.notAfter &&
    hasExtendedKeyUsage(cert, OID.ocspSigning) &&
    new X509Certificate(cert.der).verify(issuerKey)
  );
}

/** The key that must have signed the response: a delegated responder's the issuer authorised, or the issuer's own. */
function signerKey(basic: BasicOcspResponse, issuer: ParsedCertificate, now: Date): KeyObject {
  const issuerKey = importSpki(issuer.publicKey);
  for (const der of basic.certificates) {
    const cert = parseCertificate(der);
    if (namesResponder(basic.responderId, cert) && isAuthorisedResponder(cert, issuer, issuerKey, now)) return importSpki(cert.publicKey);
  }
  if (namesResponder(basic.responderId, issuer)) return issuerKey;
  throw new OcspResponseError('the OCSP response is not signed by the issuer or by a responder it authorised (EKU OCSPSigning)');
}

/** What a verified response must match. */
export interface OcspExpectations {
  /** The certificates' issuer: the response must come from it or from a responder it authorised. */
  readonly issuer: ParsedCertificate;
  /** The nonce sent (as given to `buildOcspRequest`): the response must echo it. */
  readonly nonce: Buffer;
  readonly now?: Date;
  /** How far clocks may disagree; default 5 minutes. */
  readonly clockSkewMs?: number;
}

/**
 * Checks that a basic response can be trusted: it echoes the nonce, it is signed
 * by `issuer` or by a delegated responder certificate included in it that
 * `issuer` issued with EKU OCSPSigning and that is valid now, and every answer
 * is current (thisUpdate not in the future, nextUpdate not past).
 * Throws OcspResponseError saying what is off.
 */
export function verifyOcspResponse(basic: BasicOcspResponse, expect: OcspExpectations): void {
  const now = expect.now ?? new Date();
  const skew = expect.clockSkewMs ?? 5 * 60_000;
  if (!basic.nonce || !basic.nonce.equals(nonceValue(expect.nonce))) throw new OcspResponseError('the OCSP response does not echo the request nonce');
  let key: KeyObject;
  try {
    key = signerKey(basic, expect.issuer, now);
  } catch (err) {
    if (err instanceof OcspResponseError) throw err;
    throw new OcspResponseError(`the OCSP responder certificate cannot be read: ${(err as Error).message}`);
  }
  if (!verifySignature(basic.signatureAlgorithm, basic.tbsResponseData, key, basic.signature, basic.signatureParams)) throw new OcspResponseError('the OCSP response signature does not verify');
  if (basic.producedAt.getTime() > now.getTime() + skew) throw new OcspResponseError('the OCSP response was produced in the future');
  for (const answer of basic.answers) {
    if (answer.thisUpdate.getTime() > now.getTime() + skew) throw new OcspResponseError('an OCSP answer has a thisUpdate in the future');
    if (answer.nextUpdate && answer.nextUpdate.getTime() < now.getTime() - skew) throw new OcspResponseError('an OCSP answer is past its nextUpdate');
  }
}

/** The status a response gives the certificate `serial` of `issuer`, or undefined when it does not answer for it. */
export function answerFor(basic: BasicOcspResponse, issuer: ParsedCertificate, serial: bigint): CertStatus | undefined {
  return basic.answers.find((a) => a.certId.serial === serial && namesIssuer(a.certId, { certificate: issuer }))?.status;
}
