import { calculateJwkThumbprint, flattenedVerify, importJWK, type JWK } from 'jose';
import { JWS_ALGORITHMS } from '../../pki/jwsAlgorithms.js';
import type { AcmeAccountRecord, Store } from '../../store/store.js';
import type { AcmeLinks } from './links.js';
import { AcmeProblem } from './problem.js';
import type { AcmeScope } from './scope.js';


/** An ACME request body: a JWS in flattened JSON serialization (RFC 8555 §6.2). */
export interface FlattenedJws {
  readonly protected: string;
  readonly payload: string;
  readonly signature: string;
}

/** The protected header members ACME reads. */
export interface AcmeProtectedHeader {
  readonly alg: string;
  readonly nonce?: string;
  readonly url?: string;
  readonly jwk?: JWK;
  readonly kid?: string;
}

/** How a request must name its key: `jwk` (newAccount), `kid` (an account's requests), or either (revokeCert). */
export type KeyNaming = 'jwk' | 'kid' | 'either';

/** A request whose signature, nonce and URL checked out. */
export interface VerifiedAcmeRequest {
  readonly header: AcmeProtectedHeader;
  /** The payload as JSON, or undefined for a POST-as-GET (empty payload). */
  readonly payload: Readonly<Record<string, unknown>> | undefined;
  /** The public key that signed it. */
  readonly jwk: Readonly<Record<string, string>>;
  /** RFC 7638 thumbprint of `jwk`. */
  readonly thumbprint: string;
  /** The account its `kid` names (valid), when it named one. */
  readonly account?: AcmeAccountRecord;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Reads a request body as a flattened JWS; malformed otherwise. */
export function readFlattenedJws(body: unknown, what = 'request body'): FlattenedJws {
  if (!isObject(body)) throw new AcmeProblem('malformed', `${what} must be a JWS in flattened JSON serialization`);
  const { protected: prot, payload, signature } = body;
  if (typeof prot !== 'string' || typeof payload !== 'string' || typeof signature !== 'string' || ![prot, payload, signature].every((p) => B64URL.test(p))) {
    throw new AcmeProblem('malformed', `${what} must have base64url "protected", "payload" and "signature" members`);
  }
  return { protected: prot, payload, signature };
}

/** The decoded protected header of a JWS; malformed when it is not a JSON object with a string `alg`. */
export function protectedHeader(jws: FlattenedJws): AcmeProtectedHeader {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8'));
  } catch {
    throw new AcmeProblem('malformed', 'JWS protected header is not JSON');
  }
  if (!isObject(header) || typeof header.alg !== 'string') throw new AcmeProblem('malformed', 'JWS protected header must be an object with "alg"');
  for (const member of ['nonce', 'url', 'kid'] as const) {
    if (header[member] !== undefined && typeof header[member] !== 'string') throw new AcmeProblem('malformed', `JWS protected header "${member}" must be a string`);
  }
  if (header.jwk !== undefined && !isObject(header.jwk)) throw new AcmeProblem('malformed', 'JWS protected header "jwk" must be a JSON Web Key');
  return header as unknown as AcmeProtectedHeader;
}

/** The public members of a JWK (RFC 7638's required ones), refusing private keys and unknown key types. */
export function publicJwk(jwk: JWK): Record<string, string> {
  if (jwk.d !== undefined || jwk.p !== undefined || jwk.k !== undefined) throw new AcmeProblem('malformed', 'JWS "jwk" must be a public key');
  const s = (v: unknown): string => {
    if (typeof v !== 'string' || v === '') throw new AcmeProblem('badPublicKey', 'JWS "jwk" is incomplete');
    return v;
  };
  if (jwk.kty === 'EC') return { kty: 'EC', crv: s(jwk.crv), x: s(jwk.x), y: s(jwk.y) };
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: s(jwk.n), e: s(jwk.e) };
  if (jwk.kty === 'OKP') return { kty: 'OKP', crv: s(jwk.crv), x: s(jwk.x) };
  throw new AcmeProblem('badPublicKey', `JWS "jwk" has an unsupported key type ${JSON.stringify(String(jwk.kty))}`);
}

/** RFC 7638 SHA-256 thumbprint of a public JWK (base64url). */
export const jwkThumbprint = (jwk: Readonly<Record<string, string>>): Promise<string> => calculateJwkThumbprint(jwk as JWK, 'sha256');

/** Verifies `jws` with `jwk` under `alg`; malformed when the signature does not verify. Resolves the payload bytes. */
export async function verifyWithKey(jws: FlattenedJws, jwk: Readonly<Record<string, string>>, alg: string): Promise<Buffer> {
  try {
    const key = await importJWK({ ...jwk, alg } as JWK, alg);
    const { payload } = await flattenedVerify(jws, key, { algorithms: [alg] });
    return Buffer.from(payload);
  } catch {
    throw new AcmeProblem('malformed', 'JWS signature does not verify with its key');
  }
}

/** A JWS payload as a JSON object; undefined for the empty payload of a POST-as-GET. */
export function payloadObject(bytes: Buffer): Record<string, unknown> | undefined {
  if (bytes.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AcmeProblem('malformed', 'JWS payload is not JSON');
  }
  if (!isObject(value)) throw new AcmeProblem('malformed', 'JWS payload must be a JSON object');
  return value;
}

/** What checking a request needs. */
export interface RequestCheck {
  readonly store: Store;
  readonly provisioner: string;
  readonly links: AcmeLinks;
  /** The URL the request was sent to: the JWS `url` must be it. */
  readonly url: string;
  readonly naming: KeyNaming;
  readonly now: Date;
}

/**
 * Checks an ACME request as RFC 8555 §6.2-6.5 asks, in step-ca's order: a flattened
 * JWS; `alg` one of fedca's JWS_ALGORITHMS, step-ca's list too: never `none` nor a MAC (badSignatureAlgorithm); `url` the request's
 * (unauthorized); a replay nonce consumed once, across replicas (badNonce); exactly
 * one of `jwk` and `kid` as `naming` asks (malformed); a `kid` naming a valid account
 * of this provisioner (accountDoesNotExist, unauthorized); the signature (malformed).
 */
export async function verifyAcmeRequest(body: unknown, check: RequestCheck): Promise<VerifiedAcmeRequest> {
  const jws = readFlattenedJws(body);
  const header = protectedHeader(jws);
  if (!Object.hasOwn(JWS_ALGORITHMS, header.alg)) {
    throw new AcmeProblem('badSignatureAlgorithm', `JWS algorithm ${JSON.stringify(header.alg)} is not allowed (${Object.keys(JWS_ALGORITHMS).join(', ')})`);
  }
  if (header.url !== check.url) throw new AcmeProblem('unauthorized', `JWS "url" ${JSON.stringify(header.url ?? '')} is not the URL of this request (${check.url})`);
  if (header.nonce === undefined || header.nonce === '') throw new AcmeProblem('badNonce', 'JWS has no "nonce"');
  if (!(await check.store.useAcmeNonce(header.nonce, check.now))) throw new AcmeProblem('badNonce', 'JWS "nonce" is unknown, expired or already used');
  if ((header.jwk === undefined) === (header.kid === undefined)) throw new AcmeProblem('malformed', 'JWS must have exactly one of "jwk" and "kid"');
  if (check.naming === 'jwk' && header.jwk === undefined) throw new AcmeProblem('malformed', 'this request must carry its key in "jwk", not name an account by "kid"');
  if (check.naming === 'kid' && header.kid === undefined) throw new AcmeProblem('malformed', 'this request must name its account by "kid" (the account URL), not carry a "jwk"');
  let jwk: Record<string, string>;
  let account: AcmeAccountRecord | undefined;
  if (header.jwk !== undefined) {
    jwk = publicJwk(header.jwk);
  } else {
    const id = check.links.accountIdOf(header.kid as string);
    account = id === undefined ? undefined : await check.store.acmeAccount(id);
    if (!account || account.provisioner !== check.provisioner) throw new AcmeProblem('accountDoesNotExist', `JWS "kid" names no account of this provisioner`);
    if (account.status !== 'valid') throw new AcmeProblem('unauthorized', `account ${account.id} is ${account.status}`);
    jwk = { ...account.jwk };
  }
  const payload = payloadObject(await verifyWithKey(jws, jwk, header.alg));
  return { header, payload, jwk, thumbprint: account?.thumbprint ?? (await jwkThumbprint(jwk)), ...(account ? { account } : {}) };
}

/**
 * Checks a request of an existing account (`kid`) sent to `url`, as verifyAcmeRequest
 * does with the scope's store, provisioner, links and time; resolves it with its
 * account (valid, of this provisioner). Throws the AcmeProblems verifyAcmeRequest does.
 */
export async function verifyAccountRequest(scope: AcmeScope, body: unknown, url: string): Promise<VerifiedAcmeRequest & { readonly account: AcmeAccountRecord }> {
  const { store, provisioner, links, now } = scope;
  const request = await verifyAcmeRequest(body, { store, provisioner: provisioner.name, links, url, naming: 'kid', now });
  const { account } = request;
  // verifyAcmeRequest with naming 'kid' resolves an account or throws.
  if (!account) throw new AcmeProblem('accountDoesNotExist', 'JWS "kid" names no account of this provisioner');
  return { ...request, account };
}
