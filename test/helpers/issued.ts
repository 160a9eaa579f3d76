import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { opensslCsr } from './csr.js';
import { https } from './https.js';
import type { CaEndpoint } from './testCa.js';
import { signToken, type ProvisionerKey } from './tokens.js';

/** A certificate the test CA issued through POST /sign, with its key. */
export interface IssuedCertificate {
  readonly commonName: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** The serial, decimal (as api.md and OpenVPN's tls_serial_0 write it). */
  readonly serial: string;
}

/** Has the test CA issue a certificate for `commonName` (P-256 key made by openssl). */
export async function issueCertificate(ca: CaEndpoint, p: ProvisionerKey, commonName: string): Promise<IssuedCertificate> {
  const { csrPem, keyPem } = opensslCsr('P-256', commonName);
  const res = await https(ca, '/1.0/sign', { body: { csr: csrPem, ott: await signToken(ca, p, commonName) } });
  assert.equal(res.status, 201, res.body.toString());
  const certPem = res.json<{ crt: string }>().crt;
  return { commonName, certPem, keyPem, serial: BigInt('0x' + new X509Certificate(certPem).serialNumber).toString(10) };
}

/** Revokes a serial at the test CA with a revoke token. */
export async function revokeCertificate(ca: CaEndpoint, p: ProvisionerKey, serial: string, reasonCode = 1): Promise<void> {
  const ott = await signToken(ca, p, serial, { aud: `${ca.url}/1.0/revoke` });
  const res = await https(ca, '/1.0/revoke', { body: { serial, ott, reasonCode, reason: 'test', passive: true } });
  assert.equal(res.status, 200, res.body.toString());
}
