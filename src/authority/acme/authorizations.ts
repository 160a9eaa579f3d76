import type { AcmeAccountRecord, AcmeAuthorizationRecord } from '../../store/store.js';
import { verifyAccountRequest } from './jwsRequest.js';
import { currentAuthorization } from './orderState.js';
import { AcmeProblem, notFound } from './problem.js';
import { authorizationObject, challengeObject } from './resources.js';
import { link, type AcmeAnswer, type AcmeScope } from './scope.js';

/** Seconds a client is asked to wait before polling a challenge being validated. */
const RETRY_AFTER_SECONDS = 1;

/** The authorization `id` of the requesting account, with lost validations recovered; malformed 404 or unauthorized otherwise. */
async function ownAuthorization(scope: AcmeScope, id: string, account: AcmeAccountRecord): Promise<AcmeAuthorizationRecord> {
  const authorization = await scope.store.acmeAuthorization(id);
  if (!authorization) throw notFound('authorization');
  if (authorization.accountId !== account.id) throw new AcmeProblem('unauthorized', `authorization ${id} belongs to another account`);
  const order = await scope.store.acmeOrder(authorization.orderId);
  if (order && order.provisioner !== scope.provisioner.name) throw notFound('authorization');
  return currentAuthorization(await scope.validations.recover(authorization, account.jwk, scope.provisioner, scope.now), scope.now);
}

const processing = (a: AcmeAuthorizationRecord): boolean => a.challenges.some((c) => c.status === 'processing');

/** POST to an authorization (§7.5, §7.5.2): read it (POST-as-GET), or deactivate it (`status: "deactivated"`). */
export async function authorizationRequest(scope: AcmeScope, id: string, body: unknown): Promise<AcmeAnswer> {
  const { store, links } = scope;
  const request = await verifyAccountRequest(scope, body, links.authorization(id));
  let authorization = await ownAuthorization(scope, id, request.account);
  const status = request.payload?.status;
  if (status !== undefined) {
    if (status !== 'deactivated') throw new AcmeProblem('malformed', 'an authorization\'s "status" may only be set to "deactivated"');
    if (authorization.status !== 'pending' && authorization.status !== 'valid') throw new AcmeProblem('malformed', `authorization is ${authorization.status}`);
    const next = { ...authorization, status: 'deactivated' as const };
    if (!(await store.updateAcmeAuthorization(next))) throw new AcmeProblem('malformed', 'authorization changed meanwhile; read it again', 409);
    authorization = next;
  }
  return { status: 200, json: authorizationObject(authorization, links), location: links.authorization(id), ...(processing(authorization) ? { retryAfter: RETRY_AFTER_SECONDS } : {}) };
}

/**
 * POST to a challenge (§7.5.1): `{}` asks the CA to validate it (marked `processing`,
 * validated off the request path); an empty payload only reads it.
 */
export async function challengeRequest(scope: AcmeScope, authorizationId: string, challengeId: string, body: unknown): Promise<AcmeAnswer> {
  const { provisioner, links, now } = scope;
  const request = await verifyAccountRequest(scope, body, links.challenge(authorizationId, challengeId));
  const { account } = request;
  let authorization = await ownAuthorization(scope, authorizationId, account);
  if (!authorization.challenges.some((c) => c.id === challengeId)) throw notFound('challenge');
  if (request.payload !== undefined) authorization = await scope.validations.start(authorization, challengeId, account.jwk, provisioner, now);
  const challenge = authorization.challenges.find((c) => c.id === challengeId);
  if (!challenge) throw notFound('challenge');
  return {
    status: 200,
    json: challengeObject(challenge, authorizationId, links),
    location: links.challenge(authorizationId, challengeId),
    links: [link(links.authorization(authorizationId), 'up')],
    ...(challenge.status === 'processing' ? { retryAfter: RETRY_AFTER_SECONDS } : {}),
  };
}
