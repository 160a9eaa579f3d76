import { DerError } from '../pki/errors.js';
import { createIssuer, type Issuer } from '../pki/issuer.js';
import { namesIssuer, ocspErrorResponse, OcspError, ocspNoCheck, parseOcspRequest, signOcspResponse, type CertStatus, type OcspRequest } from '../pki/ocsp.js';
import { OID } from '../pki/oids.js';
import type { Store } from '../store/store.js';
import { issueOwnLeaf } from './ownLeaf.js';

/** A responder certificate lives a week and is replaced at 2/3 of that. */
const RESPONDER_LIFETIME_MS = 7 * 24 * 3_600_000;
/** Answers are valid for five minutes: revocation is meant to bite fast. */
const ANSWER_VALIDITY_MS = 5 * 60_000;
/**
 * A signed answer to a request without a nonce is served again for a minute (what
 * HTTP caches may keep it for, too), unless the store's revocation count moved.
 */
export const KEEP_ANSWER_MS = 60_000;
/** At most this many answers are kept (the oldest go first); requests longer than KEEP_REQUEST_BYTES are not kept. */
const KEEP_ANSWERS = 10_000;
const KEEP_REQUEST_BYTES = 512;

/** A signed answer kept for the same request, with the revocation count it was made under. */
interface KeptAnswer {
  readonly der: Buffer;
  readonly revocationSeq: bigint;
  /** Epoch ms after which it is signed again. */
  readonly until: number;
}

/** An OCSP answer and how HTTP may cache it. */
export interface OcspAnswer {
  readonly der: Buffer;
  /** Seconds a cache may keep it; 0 when it carries the client's nonce. */
  readonly maxAgeSeconds: number;
}

/**
 * The CA's OCSP responder (RFC 6960): good / revoked / unknown for serials of the
 * issuing intermediate, signed by a delegated responder certificate it issues
 * itself (EKU OCSPSigning, no-check), the nonce echoed. The answer to a request
 * without a nonce is kept, by the request's bytes, for KEEP_ANSWER_MS and served
 * again while the store's revocation count (`crlStamp().revocationSeq`, which every
 * worker and replica moves when it revokes) is unchanged; answers naming an unknown
 * serial are not kept (it may be issued any moment).
 */
export class OcspResponder {
  private responder?: { issuer: Issuer; renewAt: number };
  private readonly kept = new Map<string, KeptAnswer>();

  constructor(
    private readonly store: Store,
    private readonly intermediate: Issuer,
  ) {}

  private async responderIssuer(now: Date): Promise<Issuer> {
    if (this.responder && now.getTime() < this.responder.renewAt) return this.responder.issuer;
    const { key, der, notAfter, record } = issueOwnLeaf(
      { commonName: 'OCSP Responder', names: [], extKeyUsages: [OID.ocspSigning], extraExtensions: [ocspNoCheck()], lifetimeMs: RESPONDER_LIFETIME_MS },
      this.intermediate,
      now,
    );
    await this.store.storeCertificate(record);
    const issuer = createIssuer(der, key);
    this.kept.clear();
    this.responder = { issuer, renewAt: now.getTime() + ((notAfter.getTime() - now.getTime()) * 2) / 3 };
    return issuer;
  }

  private async status(serial: bigint): Promise<CertStatus> {
    const decimal = serial.toString(10);
    const revocation = await this.store.revocation(decimal);
    if (revocation) return { kind: 'revoked', revokedAt: revocation.revokedAt, reasonCode: revocation.reasonCode };
    return (await this.store.certificate(decimal)) ? { kind: 'good' } : { kind: 'unknown' };
  }

  /** Answers a DER OCSP request. Malformed requests get OCSP's malformedRequest, not an exception. */
  async respond(requestDer: Buffer, now = new Date()): Promise<OcspAnswer> {
    let request: OcspRequest;
    try {
      request = parseOcspRequest(requestDer);
    } catch (err) {
      if (err instanceof DerError) return { der: ocspErrorResponse(OcspError.malformedRequest), maxAgeSeconds: 0 };
      throw err;
    }
    const ours = request.certIds.map((id) => namesIssuer(id, this.intermediate));
    if (!ours.some(Boolean)) return { der: ocspErrorResponse(OcspError.unauthorized), maxAgeSeconds: 0 };
    const key = request.nonce === undefined && requestDer.length <= KEEP_REQUEST_BYTES ? requestDer.toString('base64') : undefined;
    // Read before the statuses: a revocation after this read makes the next request sign afresh.
    const revocationSeq = key === undefined ? undefined : (await this.store.crlStamp()).revocationSeq;
    const kept = key === undefined ? undefined : this.kept.get(key);
    if (kept && kept.revocationSeq === revocationSeq && now.getTime() < kept.until) {
      return { der: kept.der, maxAgeSeconds: Math.ceil((kept.until - now.getTime()) / 1000) };
    }
    const responses = await Promise.all(
      request.certIds.map(async (certId, i) => ({ certId, status: ours[i] ? await this.status(certId.serial) : ({ kind: 'unknown' } as const) })),
    );
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const der = signOcspResponse({
      responses,
      producedAt: thisUpdate,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + ANSWER_VALIDITY_MS),
      nonce: request.nonce,
      responder: await this.responderIssuer(now),
    });
    if (key !== undefined && revocationSeq !== undefined && responses.every((r) => r.status.kind !== 'unknown')) this.keep(key, { der, revocationSeq, until: now.getTime() + KEEP_ANSWER_MS });
    return { der, maxAgeSeconds: request.nonce ? 0 : KEEP_ANSWER_MS / 1000 };
  }

  private keep(key: string, answer: KeptAnswer): void {
    this.kept.delete(key);
    if (this.kept.size >= KEEP_ANSWERS) {
      const oldest = this.kept.keys().next();
      if (!oldest.done) this.kept.delete(oldest.value);
    }
    this.kept.set(key, answer);
  }
}
