import type { AcmeAccountRecord, AcmeAuthorizationRecord, AcmeChallengeRecord, AcmeEabKeyRecord, AcmeOrderRecord } from './store.js';

/**
 * ACME records as both backends keep them: a few key columns for lookups and
 * constraints, and the whole record as JSON text (`data`), encoded and decoded here
 * once so that SQLite and PostgreSQL read back the same values.
 */

type Json = Record<string, unknown>;

const date = (v: unknown): Date => new Date(String(v));
const optionalDate = (v: unknown): Date | undefined => (v === undefined || v === null ? undefined : date(v));
const without = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** JSON text of an account. */
export const encodeAccount = (a: AcmeAccountRecord): string => JSON.stringify(a);
/** An account from its JSON text. */
export function decodeAccount(text: string): AcmeAccountRecord {
  const j = JSON.parse(text) as Json & AcmeAccountRecord;
  return without({ ...j, createdAt: date(j.createdAt) });
}

/** JSON text of an order. */
export const encodeOrder = (o: AcmeOrderRecord): string => JSON.stringify(o);
/** An order from its JSON text, at `revision` (the column's value). */
export function decodeOrder(text: string, revision: number): AcmeOrderRecord {
  const j = JSON.parse(text) as Json & AcmeOrderRecord;
  return without({ ...j, expiresAt: date(j.expiresAt), createdAt: date(j.createdAt), revision });
}

const decodeChallenge = (c: AcmeChallengeRecord): AcmeChallengeRecord =>
  without({ ...c, validatedAt: optionalDate(c.validatedAt), processingSince: optionalDate(c.processingSince) });

/** JSON text of an authorization. */
export const encodeAuthorization = (a: AcmeAuthorizationRecord): string => JSON.stringify(a);
/** An authorization from its JSON text, at `revision` (the column's value). */
export function decodeAuthorization(text: string, revision: number): AcmeAuthorizationRecord {
  const j = JSON.parse(text) as Json & AcmeAuthorizationRecord;
  return { ...j, expiresAt: date(j.expiresAt), challenges: j.challenges.map(decodeChallenge), revision };
}

/** JSON text of an EAB key (the HMAC key in base64). */
export const encodeEabKey = (k: AcmeEabKeyRecord): string => JSON.stringify({ ...k, hmacKey: k.hmacKey.toString('base64') });
/** An EAB key from its JSON text, bound to `accountId` at `boundAt` (ms; the columns' values) when set. */
export function decodeEabKey(text: string, accountId: string | null, boundAt: number | string | null): AcmeEabKeyRecord {
  const j = JSON.parse(text) as Json & { hmacKey: string; createdAt: string; keyId: string; provisioner: string; reference: string };
  return without({
    keyId: j.keyId,
    provisioner: j.provisioner,
    hmacKey: Buffer.from(j.hmacKey, 'base64'),
    reference: j.reference,
    createdAt: date(j.createdAt),
    accountId: accountId ?? undefined,
    boundAt: accountId === null || boundAt === null ? undefined : new Date(Number(boundAt)),
  });
}
