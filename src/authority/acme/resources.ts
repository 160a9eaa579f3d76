import type { AcmeAccountRecord, AcmeAuthorizationRecord, AcmeChallengeRecord, AcmeOrderRecord } from '../../store/store.js';
import type { AcmeLinks } from './links.js';

/** The JSON objects of RFC 8555 §7.1 as clients read them, built from store records. */

/** An account object (§7.1.2). */
export function accountObject(a: AcmeAccountRecord, links: AcmeLinks): Record<string, unknown> {
  return { status: a.status, contact: a.contact, orders: links.accountOrders(a.id), createdAt: a.createdAt.toISOString() };
}

/** A challenge object (§7.1.5, §8): a `processing` challenge is still `processing` to the client. */
export function challengeObject(c: AcmeChallengeRecord, authorizationId: string, links: AcmeLinks): Record<string, unknown> {
  return {
    type: c.type,
    url: links.challenge(authorizationId, c.id),
    status: c.status,
    token: c.token,
    ...(c.validatedAt ? { validated: c.validatedAt.toISOString() } : {}),
    ...(c.error ? { error: c.error } : {}),
  };
}

/** An authorization object (§7.1.4); the identifier of a wildcard is given without its `*.`. */
export function authorizationObject(a: AcmeAuthorizationRecord, links: AcmeLinks): Record<string, unknown> {
  return {
    identifier: a.identifier,
    status: a.status,
    expires: a.expiresAt.toISOString(),
    challenges: a.challenges.map((c) => challengeObject(c, a.id, links)),
    ...(a.wildcard ? { wildcard: true } : {}),
  };
}

/** An order object (§7.1.3). */
export function orderObject(o: AcmeOrderRecord, links: AcmeLinks): Record<string, unknown> {
  return {
    status: o.status,
    expires: o.expiresAt.toISOString(),
    identifiers: o.identifiers,
    ...(o.notBefore ? { notBefore: o.notBefore } : {}),
    ...(o.notAfter ? { notAfter: o.notAfter } : {}),
    ...(o.error ? { error: o.error } : {}),
    authorizations: o.authorizationIds.map((id) => links.authorization(id)),
    finalize: links.finalize(o.id),
    ...(o.certificateSerial ? { certificate: links.certificate(o.id) } : {}),
  };
}
