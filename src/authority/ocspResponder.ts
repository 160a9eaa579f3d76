import { DerError } from '../pki/errors.js';
import { createIssuer, type Issuer } from '../pki/issuer.js';
import { issuerMatcher, ocspErrorResponse, OcspError, ocspNoCheck, ocspResponseSigner, parseOcspRequest, type CertId, type CertStatus, type OcspResponseContents, type OcspRequest } from '../pki/ocsp.js';
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
/** At most this many serials' statuses are kept (the oldest go first). */
const KEEP_STATUSES = 10_000;

/** A signed answer kept for the same request, with the revocation count it was made under. */
interface KeptAnswer {
  readonly der: Buffer;
  readonly revocationSeq: bigint;
  /** Epoch ms after which it is signed again. */
  readonly until: number;
}

/** A serial's status as read from the store, with the revocation count it was read under. */
interface KeptStatus {
  readonly status: CertStatus;
  readonly revocationSeq: bigint;
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
 * serial are not kept (it may be issued any moment). A request with a nonce needs
 * its own signature, but not its own store reads: a serial's good or revoked status
 * is kept the same way, under the revocation count, so that such a request costs one
 * small read (the count) and the signature.
 */
export class OcspResponder {
  private responder?: { sign: (c: OcspResponseContents) => Buffer; renewAt: number };
  private readonly kept = new Map<string, KeptAnswer>();
  private readonly statuses = new Map<bigint, KeptStatus>();
  private readonly ours: (id: CertId) => boolean;

  constructor(
    private readonly store: Store,
    private readonly intermediate: Issuer,
  ) {
    this.ours = issuerMatcher(intermediate);
  }

  /** The delegated responder's signing function, its certificate issued (and recorded) first when there is none or it is 2/3 through its life. */
  private async responderSigner(now: Date): Promise<(c: OcspResponseContents) => Buffer> {
    if (this.responder && now.getTime() < this.responder.renewAt) return this.responder.sign;
    const { key, der, notAfter, record } = issueOwnLeaf(
      { commonName: 'OCSP Responder', names: [], extKeyUsages: [OID.ocspSigning], extraExtensions: [ocspNoCheck()], lifetimeMs: RESPONDER_LIFETIME_MS },
      this.intermediate,
      now,
    );
    await this.store.storeCertificate(record);
    const sign = ocspResponseSigner(createIssuer(der, key));
    this.kept.clear();
    this.responder = { sign, renewAt: now.getTime() + ((notAfter.getTime() - now.getTime()) * 2) / 3 };
    return sign;
  }

  /**
   * A serial's status: kept from an earlier read made under the same revocation count
   * `revocationSeq` (read before this call, so a revocation committed since shows),
   * else read from the store. Unknown is never kept: the serial may be issued any moment.
   */
  private async status(serial: bigint, revocationSeq: bigint): Promise<CertStatus> {
    const kept = this.statuses.get(serial);
    if (kept && kept.revocationSeq === revocationSeq) return kept.status;
    const decimal = serial.toString(10);
    const revocation = await this.store.revocation(decimal);
    const status: CertStatus = revocation
      ? { kind: 'revoked', revokedAt: revocation.revokedAt, reasonCode: revocation.reasonCode }
      : (await this.store.certificate(decimal))
        ? { kind: 'good' }
        : { kind: 'unknown' };
    if (status.kind !== 'unknown') keepBounded(this.statuses, serial, { status, revocationSeq }, KEEP_STATUSES);
    return status;
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
    const ours = request.certIds.map(this.ours);
    if (!ours.some(Boolean)) return { der: ocspErrorResponse(OcspError.unauthorized), maxAgeSeconds: 0 };
    // Read before the statuses: a revocation after this read makes the next request read afresh.
    const { revocationSeq } = await this.store.crlStamp();
    const key = request.nonce === undefined && requestDer.length <= KEEP_REQUEST_BYTES ? requestDer.toString('base64') : undefined;
    const kept = key === undefined ? undefined : this.kept.get(key);
    if (kept && kept.revocationSeq === revocationSeq && now.getTime() < kept.until) {
      return { der: kept.der, maxAgeSeconds: Math.ceil((kept.until - now.getTime()) / 1000) };
    }
    const responses = await Promise.all(
      request.certIds.map(async (certId, i) => ({ certId, status: ours[i] ? await this.status(certId.serial, revocationSeq) : ({ kind: 'unknown' } as const) })),
    );
    const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const sign = await this.responderSigner(now);
    const der = sign({ responses, producedAt: thisUpdate, thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + ANSWER_VALIDITY_MS), nonce: request.nonce });
    if (key !== undefined && responses.every((r) => r.status.kind !== 'unknown')) keepBounded(this.kept, key, { der, revocationSeq, until: now.getTime() + KEEP_ANSWER_MS }, KEEP_ANSWERS);
    return { der, maxAgeSeconds: request.nonce ? 0 : KEEP_ANSWER_MS / 1000 };
  }
}

/** Sets `key` in `map` as its newest entry, first dropping the oldest when `map` holds `limit` already. */
function keepBounded<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.delete(key);
  if (map.size >= limit) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
