import { parseDuration, formatDuration } from '../config/duration.js';
import { BadRequest, Forbidden, quote } from '../errors.js';
import { awsKeyProblem } from '../pki/awsClientVpn.js';
import type { ParsedCsr, PublicKeyInfo } from '../pki/csr.js';
import type { KeyUsageName, SubjectAltNames } from '../pki/extensions.js';
import { curveNamed } from '../pki/curves.js';
import { canonicalIp } from '../pki/ip.js';
import { BACKDATE_MS } from '../pki/issueCertificate.js';
import { isEncodableTime, wholeSeconds } from '../pki/der.js';
import { looksLikeRfc3339, parseRfc3339 } from '../config/rfc3339.js';
import { RSA_BITS } from '../pki/keys.js';

/**
 * Sign options (step-ca's shape): a provisioner turns a token into a list of small
 * named rules. Modifiers shape the certificate being built; validators check the
 * request and the finished draft and throw. The authority applies them in order.
 */

/** What the client asked for. */
export interface SignRequest {
  readonly csr: ParsedCsr;
  readonly publicKey: PublicKeyInfo;
  /** As sent: RFC 3339 time, Go duration relative to now, or "" / undefined for unset. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly now: Date;
}

/** The leaf as the options shape it. */
export interface CertificateDraft {
  commonName: string;
  sans: SubjectAltNames;
  notBefore: Date;
  notAfter: Date;
  /** Unset: the default leaf profile's (digitalSignature, plus keyEncipherment for RSA). */
  keyUsages?: KeyUsageName[];
  /** Unset: the default leaf profile's (serverAuth, clientAuth). */
  extKeyUsages?: string[];
  extraExtensions: Buffer[];
}

export interface CertificateModifier {
  readonly kind: 'modifier';
  modify(draft: CertificateDraft, request: SignRequest): void;
}

export interface RequestValidator {
  readonly kind: 'validator';
  validate(request: SignRequest, draft: CertificateDraft): void;
}

export type SignOption = CertificateModifier | RequestValidator;

/**
 * Applies modifiers (in order) to a fresh draft, cuts its times to whole seconds (as
 * the certificate holds them, so the store records what the certificate says), then
 * runs every validator; returns the draft.
 */
export function applySignOptions(options: readonly SignOption[], request: SignRequest): CertificateDraft {
  const draft: CertificateDraft = {
    commonName: request.csr.commonName,
    sans: request.csr.sans,
    notBefore: request.now,
    notAfter: request.now,
    extraExtensions: [],
  };
  for (const o of options) if (o.kind === 'modifier') o.modify(draft, request);
  // Validated and recorded as the certificate will hold them.
  draft.notBefore = wholeSeconds(draft.notBefore);
  draft.notAfter = wholeSeconds(draft.notAfter);
  for (const o of options) if (o.kind === 'validator') o.validate(request, draft);
  return draft;
}

/** The CSR's commonName must be the token's subject, or empty. */
export function commonNameValidator(subject: string): RequestValidator {
  return {
    kind: 'validator',
    validate({ csr }) {
      if (csr.commonName !== '' && csr.commonName !== subject) {
        throw new Forbidden(`CSR common name ${quote(csr.commonName)} does not match the token subject ${quote(subject)}`);
      }
    },
  };
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};

/** Names for a message: the first ten, so that an answer never echoes a request's thousands. */
const listed = (names: readonly string[]): string =>
  names.length <= 10 ? JSON.stringify(names) : `${JSON.stringify(names.slice(0, 10)).slice(0, -1)}, ... ${names.length - 10} more]`;

/** Each SAN kind: its label in messages and how names of that kind compare. */
const SAN_KINDS: readonly [keyof SubjectAltNames, string, (s: string) => string][] = [
  ['dns', 'DNS names', (s) => s.toLowerCase()],
  ['ips', 'IP addresses', canonicalIp],
  ['emails', 'email addresses', (s) => s],
  ['uris', 'URIs', (s) => s],
];

/**
 * For each SAN kind the CSR names, its set must equal the token's set of that kind
 * (step-ca's rule); a kind the CSR leaves out is filled from the token.
 */
export function sansValidator(want: SubjectAltNames): RequestValidator {
  return {
    kind: 'validator',
    validate({ csr }) {
      for (const [kind, label, norm] of SAN_KINDS) {
        const got = csr.sans[kind];
        if (got.length === 0) continue;
        if (!sameSet(got.map(norm), want[kind].map(norm))) {
          throw new Forbidden(`CSR SANs not allowed by token: ${label} ${listed(got)}, token allows ${listed(want[kind])}`);
        }
      }
    },
  };
}

/** Public keys api.md accepts: ECDSA P-256/P-384/P-521, RSA 2048–8192, Ed25519. */
export function publicKeyValidator(): RequestValidator {
  return {
    kind: 'validator',
    validate({ publicKey }) {
      const ok =
        (publicKey.kty === 'EC' && curveNamed(publicKey.curve) !== undefined) ||
        (publicKey.kty === 'RSA' && (publicKey.bits ?? 0) >= RSA_BITS.min && (publicKey.bits ?? 0) <= RSA_BITS.max) ||
        publicKey.kty === 'OKP';
      if (!ok) throw new BadRequest(`CSR public key ${publicKey.description} is not allowed (ECDSA P-256/P-384/P-521, RSA 2048-8192 or Ed25519)`);
    },
  };
}

/** The subject and SANs of the certificate come from the token. */
export function subjectModifier(subject: string, sans: SubjectAltNames): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft) {
      draft.commonName = subject;
      draft.sans = sans;
    },
  };
}

/**
 * Reads a requested time: RFC 3339, or a duration from now; "" or undefined is unset.
 * BadRequest naming `field` unless it is a real date a certificate can carry.
 */
export function parseRequestedTime(text: string | undefined, now: Date, field: string): Date | undefined {
  if (text === undefined || text === '') return undefined;
  const shown = quote(text);
  let at: Date;
  if (looksLikeRfc3339(text)) {
    const parsed = parseRfc3339(text);
    if (!parsed) throw new BadRequest(`${field} ${shown} is not a real date and time`);
    at = parsed;
  } else {
    const ms = parseDuration(text);
    if (ms === undefined) throw new BadRequest(`${field} must be an RFC 3339 time or a duration such as "1h30m" (at most 2562047h), got ${shown}`);
    at = new Date(now.getTime() + ms);
  }
  if (!isEncodableTime(at)) throw new BadRequest(`${field} ${shown} is out of range (years 0000-9999)`);
  return at;
}

/**
 * Validity from the request or the default duration, as step-ca sets it: a relative
 * notAfter counts from notBefore, and only a notBefore the client left unset is
 * backdated by `backdateMs`.
 */
export function validityModifier(defaultMs: number, backdateMs: number): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft, request) {
      const requestedBefore = parseRequestedTime(request.notBefore, request.now, 'notBefore');
      const notBefore = requestedBefore ?? request.now;
      const notAfter = parseRequestedTime(request.notAfter, notBefore, 'notAfter') ?? new Date(notBefore.getTime() + defaultMs);
      draft.notBefore = new Date(notBefore.getTime() - (requestedBefore ? 0 : backdateMs));
      draft.notAfter = notAfter;
    },
  };
}

/** step-ca's validity rules: the certificate must end in the future, and after it begins. */
export function validityValidator(): RequestValidator {
  return {
    kind: 'validator',
    validate(request, draft) {
      if (draft.notAfter.getTime() < request.now.getTime()) throw new BadRequest(`notAfter cannot be in the past (${draft.notAfter.toISOString()})`);
      if (draft.notAfter.getTime() < draft.notBefore.getTime()) throw new BadRequest(`notAfter cannot be before notBefore (${draft.notAfter.toISOString()} < ${draft.notBefore.toISOString()})`);
    },
  };
}

/**
 * The certificate may not outlive `limit` (the credential that authorised it, as
 * step-ca's profileLimitDuration): a default notAfter past it is cut back to it, a
 * requested one past it is refused. Runs after validityModifier.
 */
export function notAfterLimitModifier(limit: Date, credential: string): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft, request) {
      if (draft.notAfter <= limit) return;
      if (request.notAfter !== undefined && request.notAfter !== '') {
        throw new Forbidden(`requested notAfter ${draft.notAfter.toISOString()} is after the expiry of the ${credential} (${limit.toISOString()})`);
      }
      draft.notAfter = limit;
    },
  };
}

/**
 * The duration must lie within the provisioner's claims, counted as step-ca counts it:
 * notAfter − notBefore with the backdate included (whole seconds, as applySignOptions
 * leaves them), the maximum widened
 * by the CA's backdate (so `--not-after 4m30s` passes a 5m minimum, as at step-ca).
 */
export function durationValidator(minMs: number, maxMs: number, backdateMs = BACKDATE_MS): RequestValidator {
  return {
    kind: 'validator',
    validate(_request, draft) {
      const d = draft.notAfter.getTime() - draft.notBefore.getTime();
      if (d < minMs) throw new Forbidden(`requested duration of ${formatDuration(d)} is less than the authorized minimum certificate duration of ${formatDuration(minMs)}`);
      if (d > maxMs + backdateMs) throw new Forbidden(`requested duration of ${formatDuration(d)} is more than the authorized maximum certificate duration of ${formatDuration(maxMs + backdateMs)}`);
    },
  };
}

/** Adds a fixed extension (the provisioner extension, a CRL distribution point, ...). */
export function extensionModifier(extension: Buffer): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft) {
      draft.extraExtensions.push(extension);
    },
  };
}

/** Sets the certificate's key usages (a profile's, in place of the default leaf profile's). */
export function keyUsageModifier(usages: readonly KeyUsageName[]): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft) {
      draft.keyUsages = [...usages];
    },
  };
}

/** Sets the certificate's extended key usages (OIDs), in place of serverAuth + clientAuth. */
export function extKeyUsageModifier(purposes: readonly string[]): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft) {
      draft.extKeyUsages = [...purposes];
    },
  };
}

/** The CSR's key must be one AWS Client VPN takes and fedca issues for it (RSA 2048); `why` says who asks. */
export function awsKeyValidator(why: string): RequestValidator {
  return {
    kind: 'validator',
    validate({ publicKey }) {
      const problem = awsKeyProblem(publicKey.description, why);
      if (problem) throw new Forbidden(problem);
    },
  };
}

/** The certificate must have a common name in its subject; `why` says who asks. */
export function commonNameRequiredValidator(why: string): RequestValidator {
  return {
    kind: 'validator',
    validate(_request, draft) {
      if (draft.commonName === '') throw new Forbidden(`${why} needs a common name (CN) in the subject`);
    },
  };
}

/** The certificate must name at least one DNS name in its SANs; `why` says who asks. */
export function dnsNameValidator(why: string): RequestValidator {
  return {
    kind: 'validator',
    validate(_request, draft) {
      if (draft.sans.dns.length === 0) throw new Forbidden(`${why} needs a DNS name among the SANs`);
    },
  };
}

/** The certificate's SANs are `sans` (an instance's own names), whatever the CSR named; its common name stays the CSR's. */
export function sansModifier(sans: SubjectAltNames): CertificateModifier {
  return {
    kind: 'modifier',
    modify(draft) {
      draft.sans = sans;
    },
  };
}

/** step-ca's commonNameSliceValidator: the CSR's common name must be one of `allowed` (an instance's own names). */
export function commonNameOneOfValidator(allowed: readonly string[]): RequestValidator {
  return {
    kind: 'validator',
    validate({ csr }) {
      if (csr.commonName === '') throw new Forbidden('the CSR has an empty common name');
      if (!allowed.includes(csr.commonName)) throw new Forbidden(`CSR common name ${quote(csr.commonName)} is not one of the instance's names ${listed(allowed)}`);
    },
  };
}
