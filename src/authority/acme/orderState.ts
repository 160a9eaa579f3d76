import type { AcmeAuthorizationRecord, AcmeOrderRecord, AcmeProblemRecord, Store } from '../../store/store.js';
import { ACME_ERROR_URN_PREFIX } from './challenges/failure.js';

/** How many times a write that lost a race to another process is tried again with what the store holds then. */
export const WRITE_ATTEMPTS = 5;

/** A pending authorization past its expiry is expired (RFC 8555 §7.1.6). */
export function currentAuthorization(a: AcmeAuthorizationRecord, now: Date): AcmeAuthorizationRecord {
  return a.status === 'pending' && a.expiresAt <= now ? { ...a, status: 'expired' } : a;
}

/** The error an invalid order carries: its failed challenge's, or a plain one. */
function failureOf(authorizations: readonly AcmeAuthorizationRecord[]): AcmeProblemRecord {
  for (const a of authorizations) {
    const failed = a.challenges.find((c) => c.status === 'invalid' && c.error);
    if (failed?.error) return { ...failed.error, detail: `${a.identifier.value}: ${failed.error.detail}` };
  }
  const bad = authorizations.find((a) => a.status !== 'valid' && a.status !== 'pending');
  return { type: `${ACME_ERROR_URN_PREFIX}unauthorized`, detail: `authorization for ${bad?.identifier.value ?? 'an identifier'} is ${bad?.status ?? 'not valid'}`, status: 401 };
}

/** What an order's status is now, from its authorizations and expiry (RFC 8555 §7.1.6); unchanged when it is not pending. */
function derivedOrder(order: AcmeOrderRecord, authorizations: readonly AcmeAuthorizationRecord[], now: Date): AcmeOrderRecord {
  if (order.status === 'ready' && order.expiresAt <= now) return { ...order, status: 'invalid', error: { type: `${ACME_ERROR_URN_PREFIX}malformed`, detail: 'order expired before it was finalized', status: 400 } };
  if (order.status !== 'pending') return order;
  const current = authorizations.map((a) => currentAuthorization(a, now));
  if (current.some((a) => a.status !== 'valid' && a.status !== 'pending')) return { ...order, status: 'invalid', error: failureOf(current) };
  if (order.expiresAt <= now) return { ...order, status: 'invalid', error: { type: `${ACME_ERROR_URN_PREFIX}malformed`, detail: 'order expired before its authorizations were valid', status: 400 } };
  if (current.length > 0 && current.every((a) => a.status === 'valid')) return { ...order, status: 'ready' };
  return order;
}

/**
 * The order as it stands now, written back when its status moved (pending → ready
 * or invalid). A write lost to another process is read again: every process and
 * replica derives the same state from the store.
 */
export async function refreshOrder(store: Store, order: AcmeOrderRecord, now: Date): Promise<AcmeOrderRecord> {
  let current = order;
  for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
    if (current.status !== 'pending' && current.status !== 'ready') return current;
    const authorizations = (await Promise.all(current.authorizationIds.map((id) => store.acmeAuthorization(id)))).filter((a): a is AcmeAuthorizationRecord => a !== undefined);
    const next = derivedOrder(current, authorizations, now);
    if (next === current) return current;
    if (await store.updateAcmeOrder(next)) return { ...next, revision: next.revision + 1 };
    const reread = await store.acmeOrder(current.id);
    if (!reread) return current;
    current = reread;
  }
  return current;
}
