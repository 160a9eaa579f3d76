import { decodeJwt, decodeProtectedHeader } from 'jose';
import { parseCertificate } from '../pki/certificate.js';
import { isCrlReason } from '../pki/crlReason.js';
import { commonNameOf } from '../pki/name.js';
import { jwkTokenId } from '../provisioners/jwk.js';
import type { IssuedCertificate, Revocation, UsedToken } from '../store/store.js';
import { UNKNOWN_NOT_AFTER_MS, type AdoptedHistory } from './adoptedCa.js';
import type { StepCaTables } from './stepCaDatabase.js';


/** step-ca's provisioner id is `name:kid` (JWK) or `type/name`; fedca records the name. */
const provisionerName = (id: string): string => (id.includes(':') ? id.slice(0, id.lastIndexOf(':')) : id.replace(/^[a-z0-9-]+\//i, ''));

function jsonOf(value: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(value.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What could not be carried over, for init to report. */
export interface StepCaSkipped {
  /** Rows that are not what step-ca writes (named by bucket and key). */
  readonly malformed: readonly string[];
  /** Used tokens of provisioners other than JWK, or already expired: nothing to refuse. */
  readonly tokensNotNeeded: number;
}

export interface StepCaHistory extends AdoptedHistory {
  readonly usedTokens: readonly UsedToken[];
  readonly skipped: StepCaSkipped;
}

/**
 * step-ca's issued certificates (`x509_certs`, provisioner from `x509_certs_data`),
 * revocations (`revoked_x509_certs`) and used token ids (`used_ott`), in fedca's
 * records. Pure; rows that are not what step-ca writes are listed, not guessed at.
 */
export function stepCaHistory(tables: StepCaTables, now = new Date()): StepCaHistory {
  const malformed: string[] = [];
  const provisionerBySerial = new Map<string, string>();
  for (const row of tables.x509_certs_data) {
    const p = jsonOf(row.value)?.provisioner as { name?: unknown } | undefined;
    if (typeof p?.name === 'string') provisionerBySerial.set(row.key, p.name);
  }
  const certificates: IssuedCertificate[] = [];
  for (const row of tables.x509_certs) {
    try {
      const { serial, subject, notBefore, notAfter } = parseCertificate(row.value);
      if (serial.toString(10) !== row.key) throw new Error('serial differs from its key');
      certificates.push({ serial: row.key, der: row.value, commonName: commonNameOf(subject), notBefore, notAfter, provisioner: provisionerBySerial.get(row.key) ?? '' });
    } catch {
      malformed.push(`x509_certs/${row.key}`);
    }
  }
  const notAfterBySerial = new Map(certificates.map((c) => [c.serial, c.notAfter]));
  const revocations: Revocation[] = [];
  for (const row of tables.revoked_x509_certs) {
    const info = jsonOf(row.value);
    const revokedAt = new Date(String(info?.RevokedAt ?? ''));
    const reasonCode = Number(info?.ReasonCode ?? 0);
    if (!info || !/^\d+$/.test(row.key) || Number.isNaN(revokedAt.getTime()) || !isCrlReason(reasonCode)) {
      malformed.push(`revoked_x509_certs/${row.key}`);
      continue;
    }
    revocations.push({
      serial: row.key,
      reasonCode,
      reason: typeof info.Reason === 'string' ? info.Reason : '',
      revokedAt,
      notAfter: notAfterBySerial.get(row.key) ?? new Date(revokedAt.getTime() + UNKNOWN_NOT_AFTER_MS),
      provisioner: provisionerName(String(info.ProvisionerID ?? '')),
    });
  }
  const usedTokens: UsedToken[] = [];
  let tokensNotNeeded = 0;
  for (const row of tables.used_ott) {
    try {
      const token = row.value.toString('utf8');
      const { kid } = decodeProtectedHeader(token);
      const { iss, exp, jti } = decodeJwt(token);
      if (typeof kid !== 'string' || typeof iss !== 'string' || typeof exp !== 'number' || jti !== row.key) {
        tokensNotNeeded++;
        continue;
      }
      const expiresAt = new Date(exp * 1000);
      if (expiresAt < now) tokensNotNeeded++;
      else usedTokens.push({ id: jwkTokenId(iss, kid, jti), expiresAt });
    } catch {
      malformed.push(`used_ott/${row.key}`);
    }
  }
  return { certificates, revocations, usedTokens, skipped: { malformed, tokensNotNeeded } };
}
