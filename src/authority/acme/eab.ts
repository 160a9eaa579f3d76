import { flattenedVerify } from 'jose';
import type { AcmeEabKeyRecord, Store } from '../../store/store.js';
import { jwkThumbprint, protectedHeader, readFlattenedJws } from './jwsRequest.js';
import { AcmeProblem } from './problem.js';

const EAB_ALGORITHMS = ['HS256', 'HS384', 'HS512'];

/**
 * Checks a newAccount's `externalAccountBinding` (RFC 8555 §7.3.4): a flattened JWS
 * MACed with an EAB key of this provisioner not bound yet (`kid` its key id, `alg`
 * HS256/384/512, `url` the newAccount URL, no nonce) over the account's own JWK.
 * Resolves the key; binding it to the new account happens with the account's
 * creation, atomically (Store.createAcmeAccount). malformed or unauthorized otherwise.
 */
export async function verifyExternalAccountBinding(binding: unknown, store: Store, provisioner: string, url: string, accountThumbprint: string): Promise<AcmeEabKeyRecord> {
  const jws = readFlattenedJws(binding, 'externalAccountBinding');
  const header = protectedHeader(jws);
  if (!EAB_ALGORITHMS.includes(header.alg)) throw new AcmeProblem('malformed', `externalAccountBinding "alg" must be one of ${EAB_ALGORITHMS.join(', ')}`);
  if (header.kid === undefined || header.kid === '') throw new AcmeProblem('malformed', 'externalAccountBinding must name its key in "kid"');
  if (header.url !== url) throw new AcmeProblem('malformed', 'externalAccountBinding "url" must be the newAccount URL');
  if (header.nonce !== undefined) throw new AcmeProblem('malformed', 'externalAccountBinding must not have a "nonce"');
  const key = await store.acmeEabKey(header.kid);
  if (!key || key.provisioner !== provisioner) throw new AcmeProblem('unauthorized', `externalAccountBinding names an unknown key id ${JSON.stringify(header.kid.slice(0, 80))}`);
  if (key.accountId !== undefined) throw new AcmeProblem('unauthorized', `the external account binding key ${key.keyId} is already bound to an account`);
  let payload: Uint8Array;
  try {
    payload = (await flattenedVerify(jws, new Uint8Array(key.hmacKey), { algorithms: [header.alg] })).payload;
  } catch {
    throw new AcmeProblem('unauthorized', 'externalAccountBinding MAC does not verify with its key');
  }
  let boundJwk: unknown;
  try {
    boundJwk = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new AcmeProblem('malformed', 'externalAccountBinding payload is not a JWK');
  }
  let thumbprint: string;
  try {
    thumbprint = await jwkThumbprint(boundJwk as Record<string, string>);
  } catch {
    throw new AcmeProblem('malformed', 'externalAccountBinding payload is not a JWK');
  }
  if (thumbprint !== accountThumbprint) throw new AcmeProblem('unauthorized', "externalAccountBinding binds another key than the account's");
  return key;
}
