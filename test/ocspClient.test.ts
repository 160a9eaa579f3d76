import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { classifySans } from '../src/pki/extensions.js';
import { createIssuer, type Issuer } from '../src/pki/issuer.js';
import { generateKey, spkiDer } from '../src/pki/keys.js';
import { namesIssuer, ocspErrorResponse, OcspError, ocspNoCheck, ocspResponseSigner, parseOcspRequest, type CertStatus } from '../src/pki/ocsp.js';
import { answerFor, buildOcspRequest, nonceValue, parseOcspResponse, responseStatusName, verifyOcspResponse, type BasicOcspResponse } from '../src/pki/ocspClient.js';
import { OcspResponseError } from '../src/pki/errors.js';
import { OID } from '../src/pki/oids.js';
import { issueIntermediate, issueLeaf, issueRoot } from '../src/pki/issueCertificate.js';

/** A root and intermediate, and responder certificates the intermediate issues. */
function pki(name: string): { intermediate: Issuer; responder(extKeyUsages?: string[]): Issuer } {
  const rootKey = generateKey({ kty: 'EC' });
  const root = createIssuer(issueRoot(name, rootKey), rootKey);
  const key = generateKey({ kty: 'EC' });
  const intermediate = createIssuer(issueIntermediate(name, key, root), key);
  return {
    intermediate,
    responder(extKeyUsages = [OID.ocspSigning]) {
      const responderKey = generateKey({ kty: 'EC' });
      const now = Date.now();
      const der = issueLeaf(
        { commonName: 'OCSP Responder', sans: classifySans([]), publicKey: spkiDer(responderKey), notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000), extKeyUsages, extraExtensions: [ocspNoCheck()] },
        intermediate,
      );
      return createIssuer(der, responderKey);
    },
  };
}

describe('OCSP client (RFC 6960)', () => {
  const { intermediate, responder } = pki('Ocsp');
  const issuer = intermediate.certificate;
  const nonce = randomBytes(32);
  const serials = [0x1234n, 0xfedcba9876543210fedcba9876543210n, 7n];

  /** A response to `buildOcspRequest(issuer, serials, nonce)` with the given statuses, signed by `signer`. */
  function respond(statuses: CertStatus[], signer: Issuer, options: { nonce?: Buffer; thisUpdate?: Date; nextUpdate?: Date } = {}): BasicOcspResponse {
    const request = parseOcspRequest(buildOcspRequest(issuer, serials, nonce));
    const thisUpdate = options.thisUpdate ?? new Date(Math.floor(Date.now() / 1000) * 1000);
    const der = ocspResponseSigner(signer)({
      responses: request.certIds.map((certId, i) => ({ certId, status: statuses[i] })),
      producedAt: thisUpdate,
      thisUpdate,
      nextUpdate: options.nextUpdate ?? new Date(thisUpdate.getTime() + 300_000),
      nonce: options.nonce ?? request.nonce,
    });
    const parsed = parseOcspResponse(der);
    assert.equal(parsed.status, 0);
    assert.ok(parsed.basic);
    return parsed.basic;
  }

  it('builds a request the responder reads: SHA-1 CertIDs naming the issuer, every serial, the nonce', () => {
    const request = parseOcspRequest(buildOcspRequest(issuer, serials, nonce));
    assert.deepEqual(
      request.certIds.map((id) => id.serial),
      serials,
    );
    assert.ok(request.certIds.every((id) => id.hash === 'sha1' && namesIssuer(id, intermediate)));
    assert.deepEqual(request.nonce, nonceValue(nonce));
  });

  it('reads good, revoked (time and reason) and unknown from a response a delegated responder signed', () => {
    const revokedAt = new Date('2026-01-02T03:04:05Z');
    const basic = respond([{ kind: 'good' }, { kind: 'revoked', revokedAt, reasonCode: 1 }, { kind: 'unknown' }], responder());
    verifyOcspResponse(basic, { issuer, nonce });
    assert.deepEqual(answerFor(basic, issuer, serials[0]), { kind: 'good' });
    assert.deepEqual(answerFor(basic, issuer, serials[1]), { kind: 'revoked', revokedAt, reasonCode: 1 });
    assert.deepEqual(answerFor(basic, issuer, serials[2]), { kind: 'unknown' });
    assert.equal(answerFor(basic, issuer, 99n), undefined, 'a serial not asked about');
    assert.equal(answerFor(basic, pki('Other').intermediate.certificate, serials[0]), undefined, 'another issuer');
  });

  it('accepts a response the issuer signed itself', () => {
    verifyOcspResponse(respond([{ kind: 'good' }, { kind: 'good' }, { kind: 'good' }], intermediate), { issuer, nonce });
  });

  const good: CertStatus[] = [{ kind: 'good' }, { kind: 'good' }, { kind: 'good' }];
  const refused = (basic: BasicOcspResponse, message: RegExp): void =>
    assert.throws(() => verifyOcspResponse(basic, { issuer, nonce }), (err: Error) => err instanceof OcspResponseError && message.test(err.message));

  it('refuses a response without our nonce', () => {
    refused(respond(good, responder(), { nonce: nonceValue(randomBytes(32)) }), /nonce/);
  });

  it('refuses a responder without EKU OCSPSigning, or issued by another CA', () => {
    refused(respond(good, responder([OID.clientAuth])), /not signed by the issuer or by a responder it authorised/);
    refused(respond(good, pki('Other').responder()), /not signed by the issuer or by a responder it authorised/);
  });

  it('refuses a response whose signature does not verify', () => {
    const basic = respond(good, responder());
    const signature = Buffer.from(basic.signature);
    signature[signature.length - 1] ^= 1;
    refused({ ...basic, signature }, /signature does not verify/);
  });

  it('refuses answers past their nextUpdate or from the future', () => {
    const now = Date.now();
    refused(respond(good, responder(), { thisUpdate: new Date(now - 1_200_000), nextUpdate: new Date(now - 600_000) }), /past its nextUpdate/);
    refused(respond(good, responder(), { thisUpdate: new Date(now + 600_000) }), /future/);
  });

  it('reads an unsuccessful response as its status alone', () => {
    const parsed = parseOcspResponse(ocspErrorResponse(OcspError.unauthorized));
    assert.deepEqual(parsed, { status: 6 });
    assert.equal(responseStatusName(parsed.status), 'unauthorized');
  });
});
