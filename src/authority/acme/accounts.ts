import type { JWK } from 'jose';
import type { AcmeAccountRecord } from '../../store/store.js';
import { verifyExternalAccountBinding } from './eab.js';
import { acmeId } from './ids.js';
import { jwkThumbprint, payloadObject, protectedHeader, publicJwk, readFlattenedJws, verifyAccountRequest, verifyAcmeRequest, verifyWithKey } from './jwsRequest.js';
import { AcmeProblem } from './problem.js';
import { accountObject } from './resources.js';
import type { AcmeAnswer, AcmeScope } from './scope.js';

const MAX_CONTACTS = 10;

/** An account's `contact` list: up to ten `mailto:` URLs (RFC 8555 §7.3); invalidContact or unsupportedContact otherwise. */
function readContact(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_CONTACTS || value.some((c) => typeof c !== 'string')) throw new AcmeProblem('invalidContact', `"contact" must be a list of at most ${MAX_CONTACTS} URLs`);
  for (const c of value as string[]) {
    if (!c.startsWith('mailto:')) throw new AcmeProblem('unsupportedContact', `contact ${JSON.stringify(c.slice(0, 80))} is not a mailto: URL`);
    if (!/^mailto:[^\s,<>]+@[^\s,<>]+$/.test(c) || c.length > 320) throw new AcmeProblem('invalidContact', `contact ${JSON.stringify(c.slice(0, 80))} is not one email address`);
  }
  return value as string[];
}

const answer = (account: AcmeAccountRecord, scope: AcmeScope, status: number): AcmeAnswer => ({ status, json: accountObject(account, scope.links), location: scope.links.account(account.id) });

/**
 * newAccount (RFC 8555 §7.3): a JWS with `jwk`. An existing account of that key is
 * answered (200) as it is; `onlyReturnExisting` without one is accountDoesNotExist;
 * a provisioner with `requireEAB` needs an external account binding
 * (externalAccountRequired), bound to this account only.
 */
export async function newAccount(scope: AcmeScope, body: unknown): Promise<AcmeAnswer> {
  const { store, provisioner, links, now } = scope;
  const request = await verifyAcmeRequest(body, { store, provisioner: provisioner.name, links, url: links.newAccount, naming: 'jwk', now });
  const payload = request.payload ?? {};
  const existing = await store.acmeAccountByKey(provisioner.name, request.thumbprint);
  if (existing) {
    if (existing.status !== 'valid') throw new AcmeProblem('unauthorized', `account ${existing.id} of this key is ${existing.status}`);
    return answer(existing, scope, 200);
  }
  if (payload.onlyReturnExisting === true) throw new AcmeProblem('accountDoesNotExist', 'no account has this key');
  const contact = readContact(payload.contact);
  let eabKeyId: string | undefined;
  if (provisioner.requireEAB) {
    if (payload.externalAccountBinding === undefined) throw new AcmeProblem('externalAccountRequired', `provisioner "${provisioner.name}" requires an external account binding (externalAccountBinding)`);
    eabKeyId = (await verifyExternalAccountBinding(payload.externalAccountBinding, store, provisioner.name, links.newAccount, request.thumbprint)).keyId;
  }
  const account: AcmeAccountRecord = {
    id: acmeId(),
    provisioner: provisioner.name,
    thumbprint: request.thumbprint,
    jwk: request.jwk,
    status: 'valid',
    contact,
    ...(eabKeyId ? { eabKeyId } : {}),
    createdAt: now,
  };
  const outcome = await store.createAcmeAccount(account);
  if (outcome === 'eab-unusable') throw new AcmeProblem('unauthorized', 'the external account binding key was bound to another account meanwhile');
  if (outcome === 'key-exists') {
    const raced = await store.acmeAccountByKey(provisioner.name, request.thumbprint);
    if (raced) return answer(raced, scope, 200);
  }
  return answer(account, scope, 201);
}

/** POST to an account URL (§7.3.2, §7.3.6): read it (POST-as-GET or `{}`), update `contact`, or deactivate it (`status: "deactivated"`). */
export async function accountRequest(scope: AcmeScope, id: string, body: unknown): Promise<AcmeAnswer> {
  const { store, links } = scope;
  const request = await verifyAccountRequest(scope, body, links.account(id));
  const { account } = request;
  if (account.id !== id) throw new AcmeProblem('unauthorized', 'an account may only read or change itself');
  const payload = request.payload;
  if (!payload || (payload.status === undefined && payload.contact === undefined)) return answer(account, scope, 200);
  if (payload.status !== undefined && payload.status !== 'deactivated') throw new AcmeProblem('malformed', 'an account\'s "status" may only be set to "deactivated"');
  const next: AcmeAccountRecord = {
    ...account,
    ...(payload.contact !== undefined ? { contact: readContact(payload.contact) } : {}),
    ...(payload.status === 'deactivated' ? { status: 'deactivated' as const } : {}),
  };
  await store.updateAcmeAccount(next);
  return answer(next, scope, 200);
}

/** POST to an account's orders URL (§7.1.2.1): the URLs of its orders. */
export async function accountOrders(scope: AcmeScope, id: string, body: unknown): Promise<AcmeAnswer> {
  const { store, links } = scope;
  const request = await verifyAccountRequest(scope, body, links.accountOrders(id));
  if (request.account.id !== id) throw new AcmeProblem('unauthorized', "an account may only list its own orders");
  return { status: 200, json: { orders: (await store.acmeOrderIds(id)).map((o) => links.order(o)) } };
}

/**
 * keyChange (§7.3.5): the outer JWS by the account, its payload an inner JWS by the new
 * key (`jwk`, the same `url`, no nonce) over `{account, oldKey}`. A new key another
 * account has is refused with 409 and that account's URL.
 */
export async function keyChange(scope: AcmeScope, body: unknown): Promise<AcmeAnswer> {
  const { store, provisioner, links } = scope;
  const outer = await verifyAccountRequest(scope, body, links.keyChange);
  const { account } = outer;
  const inner = readFlattenedJws(outer.payload, 'keyChange payload');
  const header = protectedHeader(inner);
  if (header.jwk === undefined || header.kid !== undefined) throw new AcmeProblem('malformed', 'the inner JWS of a key change must carry the new key in "jwk"');
  if (header.url !== links.keyChange) throw new AcmeProblem('malformed', 'the inner JWS "url" must be the keyChange URL');
  if (header.nonce !== undefined) throw new AcmeProblem('malformed', 'the inner JWS must not have a "nonce"');
  const newJwk = publicJwk(header.jwk as JWK);
  const payload = payloadObject(await verifyWithKey(inner, newJwk, header.alg));
  if (!payload || payload.account !== links.account(account.id)) throw new AcmeProblem('malformed', 'the inner payload "account" must be the URL of the account changing its key');
  let oldThumbprint: string;
  try {
    oldThumbprint = await jwkThumbprint(publicJwk(payload.oldKey as JWK));
  } catch {
    throw new AcmeProblem('malformed', 'the inner payload "oldKey" must be the account\'s current key');
  }
  if (oldThumbprint !== account.thumbprint) throw new AcmeProblem('malformed', 'the inner payload "oldKey" is not the account\'s current key');
  const thumbprint = await jwkThumbprint(newJwk);
  const holder = await store.acmeAccountByKey(provisioner.name, thumbprint);
  if (holder) throw new AcmeProblem('malformed', 'another account has the new key', 409, links.account(holder.id));
  const next: AcmeAccountRecord = { ...account, jwk: newJwk, thumbprint };
  if (!(await store.updateAcmeAccount(next))) throw new AcmeProblem('malformed', 'another account has the new key', 409);
  return answer(next, scope, 200);
}
