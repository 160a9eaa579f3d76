import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { readJsonBody } from '../../src/api/jsonBody.js';
import { MAX_DURATION_MS, parseDuration } from '../../src/config/duration.js';
import { parseRfc3339 } from '../../src/config/rfc3339.js';
import { AuthorityError } from '../../src/errors.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { createCsr } from '../../src/pki/csrBuilder.js';
import { parseCsrDer, parseCsrPem, verifyCsr } from '../../src/pki/csr.js';
import { isEncodableTime } from '../../src/pki/der.js';
import { CsrError, DerError } from '../../src/pki/errors.js';
import { classifySans } from '../../src/pki/extensions.js';
import { issueRoot } from '../../src/pki/issueCertificate.js';
import { generateKey } from '../../src/pki/keys.js';
import { encodableSans, ia5Bytes, NameError } from '../../src/pki/nameEncoding.js';
import { buildOcspRequest } from '../../src/pki/ocspClient.js';
import { parseOcspRequest } from '../../src/pki/ocsp.js';
import { pemBlocks, toPem } from '../../src/pki/pem.js';
import { decodeJws } from '../../src/provisioners/jws.js';
import { parseRequestedTime } from '../../src/provisioners/signOptions.js';
import { checkRegisteredClaims } from '../../src/provisioners/tokenClaims.js';
import { Unauthorized } from '../../src/errors.js';

/**
 * Fuzz targets: each a property over generated or mutated input that holds when
 * the parser either answers or refuses with its own error type (never a
 * TypeError, RangeError or stack overflow, which would be a 500), and whose
 * answer is sane. `test/fuzz.test.ts` runs each briefly in CI; `npm run fuzz`
 * runs them for as long as asked.
 */
export interface FuzzTarget {
  readonly name: string;
  /** Checks the property with these fast-check parameters; resolves what happened. */
  run(params: FuzzParameters): Promise<FuzzOutcome>;
}

/** The fast-check parameters a fuzz run sets. */
export type FuzzParameters = Pick<fc.Parameters<unknown>, 'seed' | 'numRuns' | 'interruptAfterTimeLimit' | 'markInterruptAsFailure'>;

/** How a fuzz run ended: inputs tried, and fast-check's report with the counterexample when it failed. */
export interface FuzzOutcome {
  readonly failed: boolean;
  readonly numRuns: number;
  readonly report: string;
}

function target<Ts extends unknown[]>(name: string, property: () => fc.IRawProperty<Ts>): FuzzTarget {
  return {
    name,
    async run(params) {
      const details = await fc.check(property(), params);
      return { failed: details.failed, numRuns: details.numRuns, report: fc.defaultReportMessage(details) ?? '' };
    },
  };
}

/** Throws unless `err` is one of the `allowed` error classes: the parser's refusal. */
function expectRefusal(err: unknown, ...allowed: (abstract new (...args: never[]) => Error)[]): void {
  if (!allowed.some((type) => err instanceof type)) throw err;
}

/** A mutation of `seed`: bytes flipped, set, inserted, deleted, or the buffer cut. */
export function mutated(seed: Buffer): fc.Arbitrary<Buffer> {
  const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), op: fc.constantFrom('flip', 'set', 'insert', 'delete', 'cut', 'length') });
  return fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => {
    let bytes = Buffer.from(seed);
    for (const { at, byte, op } of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (op === 'flip') bytes[i] ^= 1 << (byte % 8);
      else if (op === 'set') bytes[i] = byte;
      else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
      else if (op === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
      else if (op === 'cut') bytes = bytes.subarray(0, i);
      // A length byte made long-form or huge: the DER-specific mutation.
      else bytes[i] = 0x80 | (byte % 5);
    }
    return bytes;
  });
}

/** Bytes: random, or a mutation of one of the seeds. */
const bytesLike = (...seeds: Buffer[]): fc.Arbitrary<Buffer> =>
  fc.oneof(fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)), ...seeds.map(mutated));

let seeds: { csr: Buffer; certificate: Buffer; ocsp: Buffer } | undefined;
/** Valid inputs to mutate, made once. */
function validSeeds(): { csr: Buffer; certificate: Buffer; ocsp: Buffer } {
  if (!seeds) {
    const key = generateKey({ kty: 'EC' });
    const certificate = issueRoot('Fuzz Root', key);
    seeds = {
      csr: createCsr(key, 'svc.internal', ['svc.internal', '10.0.0.1', 'ops@example.com', 'spiffe://example.org/svc']),
      certificate,
      ocsp: buildOcspRequest(parseCertificate(certificate), [12345678901234567890n, 1n], Buffer.alloc(16, 7)),
    };
  }
  return seeds;
}

/** Texts that stress date, duration and name parsers. */
const hostileText = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.stringMatching(/^-?\d{1,20}(\.\d{0,5})?(ns|us|ms|s|m|h){1,3}$/),
  fc.stringMatching(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,12})?(Z|[+-]\d{2}:\d{2})$/),
  fc.constantFrom('99999999999999h', '2030-13-01T00:00:00Z', '2030-02-31T99:99:99Z', '-461h', '1e400h', '0', '', '-0', '+5m', '.5h', '5.h'),
);

const jwsPart = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string> => value.map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url'));

export const TARGETS: readonly FuzzTarget[] = [
  target('CSR DER reader (random and mutated CSRs)', () =>
      fc.asyncProperty(bytesLike(validSeeds().csr), async (der) => {
        try {
          const csr = parseCsrDer(der);
          await verifyCsr(csr);
        } catch (err) {
          expectRefusal(err, CsrError);
        }
      }),
  ),
  target('CSR PEM reader (text around mutated CSRs)', () =>
      fc.property(fc.tuple(fc.string({ maxLength: 40 }), mutated(validSeeds().csr), fc.string({ maxLength: 40 })), ([before, der, after]) => {
        try {
          parseCsrPem(before + toPem(der, 'CERTIFICATE REQUEST') + after);
        } catch (err) {
          expectRefusal(err, CsrError);
        }
      }),
  ),
  target('certificate DER reader', () =>
      fc.property(bytesLike(validSeeds().certificate), (der) => {
        try {
          const cert = parseCertificate(der);
          if (!isEncodableTime(cert.notBefore) || !isEncodableTime(cert.notAfter)) throw new Error('a certificate time that is no date');
        } catch (err) {
          expectRefusal(err, DerError);
        }
      }),
  ),
  target('OCSP request reader', () =>
      fc.property(bytesLike(validSeeds().ocsp), (der) => {
        try {
          parseOcspRequest(der);
        } catch (err) {
          expectRefusal(err, DerError);
        }
      }),
  ),
  target('PEM reader', () =>
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----', '-----BEGIN X-----', '-----END ', '-----', '\n', 'MIIB', '=='), fc.string({ maxLength: 20 })), { maxLength: 30 }),
        (parts) => {
          try {
            pemBlocks(parts.join(''));
          } catch (err) {
            expectRefusal(err, Error);
            if (!/PEM block/.test((err as Error).message)) throw err;
          }
        },
      ),
  ),
  target('JWS decoder', () =>
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.tuple(jwsPart(fc.jsonValue({ maxDepth: 3 })), jwsPart(fc.jsonValue({ maxDepth: 3 })), fc.base64String({ maxLength: 40 })).map((p) => p.join('.')),
          fc.tuple(jwsPart(fc.record({ alg: fc.string(), kid: fc.anything(), x5c: fc.anything() }, { requiredKeys: [] })), jwsPart(fc.object()), fc.string()).map((p) => p.join('.')),
        ),
        (token) => {
          try {
            decodeJws(token);
          } catch (err) {
            expectRefusal(err, Unauthorized);
          }
        },
      ),
  ),
  target('token time claims', () =>
      fc.property(
        fc.record({ exp: fc.anything(), nbf: fc.anything(), iat: fc.anything(), jti: fc.anything(), sub: fc.anything(), iss: fc.anything(), aud: fc.anything() }, { requiredKeys: [] }),
        fc.oneof(fc.double(), fc.integer({ min: 0, max: 4_000_000_000 })),
        (claims, exp) => {
          for (const candidate of [claims, { ...claims, exp, jti: 'j', sub: 's', iss: 'i' }]) {
            try {
              const checked = checkRegisteredClaims(candidate, new Date());
              if (!Number.isFinite(checked.exp.getTime())) throw new Error(`accepted exp ${String(candidate.exp)} as an invalid date`);
            } catch (err) {
              expectRefusal(err, Unauthorized);
            }
          }
        },
      ),
  ),
  target('date and duration parsers', () =>
      fc.property(hostileText, (text) => {
        const ms = parseDuration(text);
        if (ms !== undefined && !(Math.abs(ms) <= MAX_DURATION_MS)) throw new Error(`duration ${text} read as ${ms}`);
        const at = parseRfc3339(text);
        if (at !== undefined && !Number.isFinite(at.getTime())) throw new Error(`time ${text} read as an invalid date`);
        try {
          const requested = parseRequestedTime(text, new Date(), 'notAfter');
          if (requested !== undefined && !isEncodableTime(requested)) throw new Error(`requested time ${text} read as ${String(requested)}`);
        } catch (err) {
          expectRefusal(err, AuthorityError);
          if ((err as AuthorityError).status !== 400 || !/^notAfter /.test((err as Error).message)) throw err;
        }
      }),
  ),
  target('names written into certificates', () =>
      fc.property(fc.array(fc.oneof(hostileText, fc.webUrl(), fc.emailAddress(), fc.domain(), fc.string({ unit: 'grapheme', maxLength: 30 })), { minLength: 1, maxLength: 5 }), (names) => {
        try {
          const sans = encodableSans(classifySans(names));
          for (const n of [...sans.dns, ...sans.emails, ...sans.uris]) ia5Bytes(n, 'name');
        } catch (err) {
          expectRefusal(err, NameError);
        }
      }),
  ),
  target('JSON body reader', () =>
      fc.asyncProperty(
        fc.oneof(
          fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
          mutated(Buffer.from(JSON.stringify({ csr: '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n', ott: 'a.b.c', notAfter: '1h' }))),
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
          fc.integer({ min: 1, max: 20_000 }).map((depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth))),
        ),
        fc.integer({ min: 1, max: 64 }),
        async (body, chunkSize) => {
          const chunks: Buffer[] = [];
          for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.subarray(i, i + chunkSize));
          const req = Object.assign(Readable.from(chunks), { headers: {} }) as unknown as IncomingMessage;
          try {
            await readJsonBody(req);
          } catch (err) {
            expectRefusal(err, AuthorityError);
          }
        },
      ),
  ),
];
