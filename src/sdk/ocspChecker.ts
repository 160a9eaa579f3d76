import { randomBytes } from 'node:crypto';
import { parseCertificate, type ParsedCertificate } from '../pki/certificate.js';
import { DerError, OcspResponseError } from '../pki/errors.js';
import { fingerprint, normaliseFingerprint } from '../pki/fingerprint.js';
import { answerFor, buildOcspRequest, parseOcspResponse, responseStatusName, verifyOcspResponse } from '../pki/ocspClient.js';
import { commonNameOf } from '../pki/name.js';
import { pemDers } from '../pki/pem.js';
import type { CaClient } from './caClient.js';
import { CaConnectionError, CaError } from './errors.js';

/** What the CA's OCSP responder says of one certificate, as a client acts on it. */
export type Verdict =
  | { readonly kind: 'good' }
  | { readonly kind: 'revoked'; readonly revokedAt: Date; readonly reasonCode: number }
  /** The CA does not vouch for it: it never issued it, or its issuer is not the CA's. */
  | { readonly kind: 'unknown'; readonly reason: string }
  /** No trustworthy answer: the CA is unreachable, or its answer is malformed or does not verify. */
  | { readonly kind: 'unanswerable'; readonly reason: string };

/** A certificate to ask about: its serial, and how to find its issuer among the CA's intermediates. */
export interface CertificateToCheck {
  readonly serial: bigint;
  /** SHA-256 of the issuer certificate's DER, hex (any case; `:` allowed). */
  readonly issuerFingerprint?: string;
  /** The issuer's common name, used when no fingerprint is given. */
  readonly issuerCommonName?: string;
}

/** How the checker asks. */
export interface OcspCheckerOptions {
  /** Certificates per OCSP request; default 100 (well within the CA's request size limit). */
  readonly batchSize?: number;
  /** The clock responses are judged by. */
  readonly now?: () => Date;
}

interface Intermediate {
  readonly certificate: ParsedCertificate;
  readonly fingerprint: string;
  readonly commonName: string;
}

/** The intermediates are fetched again for an issuer they lack at most this often. */
const REFRESH_INTERVAL_MS = 10_000;

const unanswerable = (reason: string): Verdict => ({ kind: 'unanswerable', reason });

/**
 * Asks a CA's OCSP responder about certificates its intermediates issued, over
 * the CA client's pinned TLS. Every request carries a fresh nonce and every
 * response is verified (`verifyOcspResponse`); anything that cannot be trusted
 * is an `unanswerable` verdict, never an exception. The intermediates come from
 * `GET /intermediates`, once, and again after a failure or for an unknown issuer.
 */
export class OcspChecker {
  private intermediates?: { readonly list: Promise<Intermediate[]>; readonly fetchedAt: number };
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(
    private readonly client: CaClient,
    options: OcspCheckerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.now = options.now ?? (() => new Date());
  }

  private fetchIntermediates(): Promise<Intermediate[]> {
    const list = this.client.intermediates().then((pems) =>
      pems.flatMap((pem) => pemDers(pem)).map((der) => {
        const certificate = parseCertificate(der);
        return { certificate, fingerprint: fingerprint(der), commonName: commonNameOf(certificate.subject) };
      }),
    );
    this.intermediates = { list, fetchedAt: Date.now() };
    list.catch(() => this.forgetIntermediates(list));
    return list;
  }

  private forgetIntermediates(list?: Promise<Intermediate[]>): void {
    if (!list || this.intermediates?.list === list) this.intermediates = undefined;
  }

  /** The intermediate that issued `cert`; fetches the list again (not too often) when none did. */
  private async issuerOf(cert: CertificateToCheck): Promise<Intermediate | undefined> {
    const matches = (i: Intermediate): boolean =>
      cert.issuerFingerprint !== undefined ? i.fingerprint === normaliseFingerprint(cert.issuerFingerprint) : i.commonName === cert.issuerCommonName;
    const asked = this.intermediates;
    const found = (await (asked?.list ?? this.fetchIntermediates())).find(matches);
    if (found || !this.intermediates) return found;
    if (this.intermediates !== asked || Date.now() - this.intermediates.fetchedAt < REFRESH_INTERVAL_MS) return (await this.intermediates.list).find(matches);
    return (await this.fetchIntermediates()).find(matches);
  }

  /** One OCSP request for `serials` of `issuer`; a verdict for each, in order. */
  private async ask(issuer: ParsedCertificate, serials: readonly bigint[]): Promise<Verdict[]> {
    const nonce = randomBytes(32);
    let reason: string;
    try {
      const response = parseOcspResponse(await this.client.ocsp(buildOcspRequest(issuer, serials, nonce)));
      if (!response.basic) {
        reason = `the CA's OCSP responder answered ${responseStatusName(response.status)}`;
      } else {
        verifyOcspResponse(response.basic, { issuer, nonce, now: this.now() });
        const basic = response.basic;
        return serials.map((serial): Verdict => {
          const status = answerFor(basic, issuer, serial);
          if (!status) return unanswerable('the OCSP response has no answer for this certificate');
          if (status.kind === 'unknown') return { kind: 'unknown', reason: 'the CA does not know this certificate' };
          return status;
        });
      }
    } catch (err) {
      if (err instanceof DerError) reason = `the CA's OCSP response is malformed: ${err.message}`;
      else if (err instanceof OcspResponseError || err instanceof CaError || err instanceof CaConnectionError) reason = err.message;
      else throw err;
    }
    this.forgetIntermediates();
    return serials.map(() => unanswerable(reason));
  }

  /** A verdict for each certificate, in order. Throws only for bugs. */
  async check(certs: readonly CertificateToCheck[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = new Array<Verdict>(certs.length);
    const groups = new Map<Intermediate, number[]>();
    await Promise.all(
      certs.map(async (cert, i) => {
        let issuer: Intermediate | undefined;
        try {
          issuer = await this.issuerOf(cert);
        } catch (err) {
          verdicts[i] = unanswerable(`cannot fetch the CA's intermediates: ${(err as Error).message}`);
          return;
        }
        if (!issuer) {
          verdicts[i] = { kind: 'unknown', reason: `the issuer (${cert.issuerCommonName ?? cert.issuerFingerprint ?? 'not named'}) is not an intermediate of the CA` };
          return;
        }
        groups.set(issuer, [...(groups.get(issuer) ?? []), i]);
      }),
    );
    const batches: { issuer: Intermediate; indexes: number[] }[] = [];
    for (const [issuer, indexes] of groups) {
      for (let at = 0; at < indexes.length; at += this.batchSize) batches.push({ issuer, indexes: indexes.slice(at, at + this.batchSize) });
    }
    await Promise.all(
      batches.map(async ({ issuer, indexes }) => {
        const answers = await this.ask(issuer.certificate, indexes.map((i) => certs[i].serial));
        indexes.forEach((i, n) => (verdicts[i] = answers[n]));
      }),
    );
    return verdicts;
  }
}
