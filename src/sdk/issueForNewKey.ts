import type { KeyObject } from 'node:crypto';
import { createCsr } from '../pki/csrBuilder.js';
import { generateKey, type KeySpec } from '../pki/keys.js';
import { toPem } from '../pki/pem.js';
import type { CaClient } from './caClient.js';
import type { SignResponse } from './wire.js';

/** What to ask the CA for: a certificate for a fresh key of `key`'s kind. */
export interface NewKeyRequest {
  /** The certificate's common name (the token's `sub`). */
  readonly subject: string;
  /** The SANs the CSR asks for (the token must allow them). */
  readonly sans: readonly string[];
  /** The one-time token for `POST /sign`. */
  readonly ott: string;
  /** The key to generate; default EC P-256. */
  readonly key?: KeySpec;
  /** Validity to ask for: RFC 3339 times or Go durations; default the CA's. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  /** The certificate profile to ask for in the sign request (`templateData`): for tokens that cannot name it (OIDC). */
  readonly profile?: string;
}

/** A fresh private key and the certificate the CA issued for it. */
export interface IssuedKey {
  readonly key: KeyObject;
  readonly signed: SignResponse;
}

/**
 * Has the CA issue a certificate for a fresh key: generates the key, builds a
 * CSR for the subject and SANs, and sends it with the token to `POST /sign`.
 * Throws what CaClient.sign throws, RangeError for a key spec fedca cannot generate.
 */
export async function issueForNewKey(client: CaClient, request: NewKeyRequest): Promise<IssuedKey> {
  const key = generateKey(request.key ?? { kty: 'EC' });
  const csrPem = toPem(createCsr(key, request.subject, request.sans), 'CERTIFICATE REQUEST');
  const signed = await client.sign({ csrPem, ott: request.ott, notBefore: request.notBefore, notAfter: request.notAfter, ...(request.profile ? { profile: request.profile } : {}) });
  return { key, signed };
}
