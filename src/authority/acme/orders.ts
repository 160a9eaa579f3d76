import { parseRfc3339 } from '../../config/rfc3339.js';
import { AuthorityError } from '../../errors.js';
import { classifySans } from '../../pki/extensions.js';
import { toPem } from '../../pki/pem.js';
import { subjectModifier } from '../../provisioners/signOptions.js';
import type { AcmeAccountRecord, AcmeAuthorizationRecord, AcmeChallengeRecord, AcmeIdentifierRecord, AcmeOrderRecord } from '../../store/store.js';
import { readCsrDer } from '../csrInput.js';
import { acmeAccountOf } from './certificateOwner.js';
import { readCertificateId } from './certId.js';
import { acmeId } from './ids.js';
import { checkCsrNames, readOrderIdentifiers } from './identifiers.js';
import { verifyAccountRequest } from './jwsRequest.js';
import { refreshOrder } from './orderState.js';
import { AcmeProblem, notFound } from './problem.js';
import { orderObject } from './resources.js';
import type { AcmeAnswer, AcmeScope } from './scope.js';

/** How long an order and its authorizations stay open. */
const ORDER_LIFETIME_MS = 24 * 3_600_000;

/** The challenges offered for an identifier: the provisioner's, of those that can prove it (a wildcard: dns-01; an IP: http-01, tls-alpn-01). */
function challengesFor(identifier: AcmeIdentifierRecord, wildcard: boolean, offered: readonly AcmeChallengeRecord['type'][]): AcmeChallengeRecord[] {
  const fit = offered.filter((t) => (wildcard ? t === 'dns-01' : identifier.type === 'ip' ? t !== 'dns-01' : true));
  if (fit.length === 0) throw new AcmeProblem('rejectedIdentifier', `no challenge this provisioner offers can prove ${JSON.stringify(identifier.value)}`);
  return fit.map((type) => ({ id: acmeId(), type, token: acmeId(32), status: 'pending', attempts: 0 }));
}

function optionalTime(value: unknown, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || parseRfc3339(value) === undefined) throw new AcmeProblem('malformed', `"${key}" must be an RFC 3339 time`);
  return value;
}

/** The order `id` of the requesting account; malformed 404 when there is none, unauthorized when it is another account's. */
async function ownOrder(scope: AcmeScope, id: string, account: AcmeAccountRecord): Promise<AcmeOrderRecord> {
  const order = await scope.store.acmeOrder(id);
  if (!order || order.provisioner !== scope.provisioner.name) throw notFound('order');
  if (order.accountId !== account.id) throw new AcmeProblem('unauthorized', `order ${id} belongs to another account`);
  return order;
}

/** ARI `replaces` (RFC 9773 §5): the serial of a certificate of the same account this order replaces. */
async function replacedSerial(scope: AcmeScope, value: unknown, account: AcmeAccountRecord): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new AcmeProblem('malformed', '"replaces" must be a certificate identifier');
  const { serial } = readCertificateId(value);
  const certificate = await scope.store.certificate(serial);
  if (!certificate || acmeAccountOf(certificate.der, scope.provisioner.name) !== account.id) throw new AcmeProblem('malformed', '"replaces" names no certificate of this account');
  return serial;
}

/** newOrder (RFC 8555 §7.4): an order and one pending authorization per identifier, each with the challenges that fit it. */
export async function newOrder(scope: AcmeScope, body: unknown): Promise<AcmeAnswer> {
  const { store, provisioner, links, now } = scope;
  const request = await verifyAccountRequest(scope, body, links.newOrder);
  const { account } = request;
  const payload = request.payload ?? {};
  const identifiers = readOrderIdentifiers(payload.identifiers);
  const notBefore = optionalTime(payload.notBefore, 'notBefore');
  const notAfter = optionalTime(payload.notAfter, 'notAfter');
  const replaces = await replacedSerial(scope, payload.replaces, account);
  const expiresAt = new Date(now.getTime() + ORDER_LIFETIME_MS);
  const orderId = acmeId();
  const authorizations: AcmeAuthorizationRecord[] = identifiers.map((identifier) => {
    const wildcard = identifier.type === 'dns' && identifier.value.startsWith('*.');
    const named = wildcard ? { type: 'dns' as const, value: identifier.value.slice(2) } : identifier;
    return { id: acmeId(), accountId: account.id, orderId, identifier: named, wildcard, status: 'pending', expiresAt, challenges: challengesFor(named, wildcard, provisioner.challenges), revision: 0 };
  });
  const order: AcmeOrderRecord = {
    id: orderId,
    accountId: account.id,
    provisioner: provisioner.name,
    status: 'pending',
    identifiers,
    authorizationIds: authorizations.map((a) => a.id),
    ...(notBefore ? { notBefore } : {}),
    ...(notAfter ? { notAfter } : {}),
    ...(replaces ? { replaces } : {}),
    expiresAt,
    createdAt: now,
    revision: 0,
  };
  await store.createAcmeOrder(order, authorizations);
  return { status: 201, json: orderObject(order, links), location: links.order(orderId) };
}

/** POST-as-GET of an order (§7.1.3), its status brought up to date from its authorizations. */
export async function orderRequest(scope: AcmeScope, id: string, body: unknown): Promise<AcmeAnswer> {
  const { store, links, now } = scope;
  const request = await verifyAccountRequest(scope, body, links.order(id));
  const order = await refreshOrder(store, await ownOrder(scope, id, request.account), now);
  return { status: 200, json: orderObject(order, links), location: links.order(id) };
}

/**
 * finalize (§7.4): an order that is `ready` and a CSR naming exactly its identifiers
 * (badCSR otherwise; orderNotReady for an order that is not ready). The certificate
 * is issued with the provisioner's sign options and stored together with the order's
 * new state (valid, its certificate) in one transaction, so that a finalize raced by
 * another process issues one certificate.
 */
export async function finalize(scope: AcmeScope, id: string, body: unknown): Promise<AcmeAnswer> {
  const { store, provisioner, links, now, authority } = scope;
  const request = await verifyAccountRequest(scope, body, links.finalize(id));
  const { account } = request;
  const order = await refreshOrder(store, await ownOrder(scope, id, account), now);
  if (order.status !== 'ready') throw new AcmeProblem('orderNotReady', `order is ${order.status}, not ready`);
  const csrText = request.payload?.csr;
  if (typeof csrText !== 'string' || !/^[A-Za-z0-9_-]+$/.test(csrText)) throw new AcmeProblem('malformed', 'finalize needs "csr": a base64url DER CSR');
  let issued;
  try {
    const verified = await readCsrDer(Buffer.from(csrText, 'base64url'));
    checkCsrNames(verified.csr, order.identifiers);
    // The names are the order's (the CSR was checked to ask for exactly them), as the certificate's SANs.
    const names = subjectModifier(verified.csr.commonName, classifySans(order.identifiers.map((i) => i.value)));
    issued = authority.issueWithOptions(verified, [names, ...provisioner.orderSignOptions(account.id)], { notBefore: order.notBefore, notAfter: order.notAfter }, provisioner.name, now);
  } catch (err) {
    if (err instanceof AuthorityError) throw new AcmeProblem('badCSR', err.message);
    throw err;
  }
  const record = { ...issued.record, ...(order.replaces ? { replaces: order.replaces } : {}) };
  const done: AcmeOrderRecord = { ...order, status: 'valid', certificateSerial: record.serial };
  if (!(await store.finishAcmeOrder(done, record))) {
    // Another finalize of this order won the race: its certificate is the order's.
    const current = await store.acmeOrder(id);
    if (current?.status === 'valid') return { status: 200, json: orderObject(current, links), location: links.order(id) };
    throw new AcmeProblem('orderNotReady', `order is ${current?.status ?? 'gone'}, not ready`);
  }
  return { status: 200, json: orderObject(done, links), location: links.order(id) };
}

/** POST-as-GET of a certificate (§7.4.2): the leaf and its intermediate, PEM. */
export async function certificateRequest(scope: AcmeScope, id: string, body: unknown): Promise<AcmeAnswer> {
  const { store, links, authority } = scope;
  const request = await verifyAccountRequest(scope, body, links.certificate(id));
  const order = await ownOrder(scope, id, request.account);
  const certificate = order.certificateSerial === undefined ? undefined : await store.certificate(order.certificateSerial);
  if (!certificate) throw notFound('certificate');
  return { status: 200, pem: toPem(certificate.der) + toPem(authority.intermediate.certificate.der) };
}
