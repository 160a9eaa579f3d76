import { IndexError } from './errors.js';
/**
 * The certificate database of `openssl ca` (easy-rsa's `pki/index.txt`): one line
 * per issued certificate, six tab-separated fields — status (V valid, R revoked,
 * E expired), expiry, revocation date[,reason[,detail]], serial (hex), file name
 * ("unknown"), subject DN.
 */

/** One line of an index.txt. */
export interface IndexEntry {
  readonly status: 'V' | 'R' | 'E';
  readonly expiresAt: Date;
  /** Upper-case hex, as OpenSSL names `certs_by_serial/<SERIAL>.pem`. */
  readonly serialHex: string;
  readonly subject: string;
  /** Set for status R. */
  readonly revocation?: { readonly revokedAt: Date; readonly reasonCode: number; readonly reason: string };
}

/**
 * OpenSSL's revocation reason names (apps/ca.c `crl_reasons`) as RFC 5280 CRLReason
 * codes: holdInstruction is a hold, keyTime and CAkeyTime compromises with a date.
 */
const REASON_CODES: Record<string, number> = {
  unspecified: 0,
  keyCompromise: 1,
  CACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  AACompromise: 10,
  holdInstruction: 6,
  keyTime: 1,
  CAkeyTime: 2,
};

/** An ASN.1 time as index.txt writes it: UTCTime `YYMMDDHHMMSSZ`, or GeneralizedTime `YYYYMMDDHHMMSSZ`. */
function indexTime(text: string, what: string, line: number): Date {
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new IndexError(`index.txt line ${line}: ${what} "${text}" is not a time such as 291231235959Z`);
  let year = Number(m[1]);
  if (m[1].length === 2) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** Parses an index.txt; blank lines are skipped. Throws IndexError naming the first bad line. */
export function parseOpensslIndex(text: string): IndexEntry[] {
  const entries: IndexEntry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const fields = raw.split('\t');
    if (fields.length < 6) throw new IndexError(`index.txt line ${line}: expected 6 tab-separated fields, found ${fields.length}`);
    const [status, expiry, revoked, serial, , subject] = fields;
    if (status !== 'V' && status !== 'R' && status !== 'E') throw new IndexError(`index.txt line ${line}: unknown status "${status}" (V, R or E)`);
    if (!/^[0-9A-Fa-f]+$/.test(serial)) throw new IndexError(`index.txt line ${line}: serial "${serial}" is not hexadecimal`);
    const serialHex = serial.toUpperCase();
    const value = BigInt('0x' + serial).toString(16);
    if (seen.has(value)) throw new IndexError(`index.txt line ${line}: serial ${serialHex} is listed twice`);
    seen.add(value);
    let revocation: IndexEntry['revocation'];
    if (status === 'R') {
      const [date, reason = ''] = revoked.split(',');
      const reasonCode = reason === '' ? 0 : REASON_CODES[reason];
      if (reasonCode === undefined) throw new IndexError(`index.txt line ${line}: unknown revocation reason "${reason}"`);
      revocation = { revokedAt: indexTime(date, 'revocation date', line), reasonCode, reason };
    }
    entries.push({ status, expiresAt: indexTime(expiry, 'expiry', line), serialHex, subject, revocation });
  });
  return entries;
}
