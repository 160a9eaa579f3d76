/**
 * ca.json's `tls` block (step-ca's names): cipher suites by their Go/IANA names,
 * versions as numbers (1.2, 1.3), renegotiation on or off. Read into what Node's
 * TLS server takes.
 */

/** Go's TLS 1.0-1.2 cipher suite names (crypto/tls) and OpenSSL's names for them. */
const OPENSSL_CIPHER: Readonly<Record<string, string>> = {
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/** TLS 1.3 suites: Go always enables all three whatever cipherSuites says; so does fedca. */
const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** The server's TLS settings as Node takes them. */
export interface TlsConfig {
  /** OpenSSL cipher list; unset: Node's defaults. */
  readonly ciphers?: string;
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
  /** Whether clients may renegotiate (TLS 1.2); step-ca's servers never do. */
  readonly renegotiation: boolean;
}

/** fedca's TLS without a `tls` block: 1.2 and 1.3, Node's ciphers, no renegotiation. */
export const DEFAULT_TLS: TlsConfig = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', renegotiation: false };

/** A problem with one key of the tls block: `[key, what is wrong]`. */
export class TlsConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
  ) {
    super(problem);
  }
}

function version(v: unknown, key: string, fallback: TlsVersion): TlsVersion {
  if (v === undefined || v === null || v === 0) return fallback;
  if (v === 1.2 || v === '1.2') return 'TLSv1.2';
  if (v === 1.3 || v === '1.3') return 'TLSv1.3';
  if (v === 1.0 || v === 1.1 || v === '1.0' || v === '1.1') throw new TlsConfigError(key, `TLS ${String(v)} is not offered by fedca (1.2 or 1.3)`);
  throw new TlsConfigError(key, `must be 1.2 or 1.3, got ${JSON.stringify(v)}`);
}

/** Reads a `tls` block; throws TlsConfigError naming the bad key. */
export function parseTls(v: unknown): TlsConfig {
  if (v === undefined || v === null) return DEFAULT_TLS;
  if (typeof v !== 'object' || Array.isArray(v)) throw new TlsConfigError('tls', 'must be an object');
  const block = v as Record<string, unknown>;
  const minVersion = version(block.minVersion, 'tls.minVersion', DEFAULT_TLS.minVersion);
  const maxVersion = version(block.maxVersion, 'tls.maxVersion', DEFAULT_TLS.maxVersion);
  if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') throw new TlsConfigError('tls.minVersion', 'is above tls.maxVersion');
  const renegotiation = block.renegotiation ?? false;
  if (typeof renegotiation !== 'boolean') throw new TlsConfigError('tls.renegotiation', 'must be true or false');
  const suites = block.cipherSuites;
  if (suites === undefined || suites === null) return { minVersion, maxVersion, renegotiation };
  if (!Array.isArray(suites) || suites.some((s) => typeof s !== 'string')) throw new TlsConfigError('tls.cipherSuites', 'must be a list of cipher suite names');
  const names = suites as string[];
  const unknown = names.find((s) => OPENSSL_CIPHER[s] === undefined && !TLS13_SUITES.includes(s));
  if (unknown !== undefined) throw new TlsConfigError('tls.cipherSuites', `unknown or unsupported cipher suite "${unknown}"`);
  const tls12 = names.filter((s) => OPENSSL_CIPHER[s] !== undefined).map((s) => OPENSSL_CIPHER[s]);
  if (tls12.length === 0 && minVersion === 'TLSv1.2') throw new TlsConfigError('tls.cipherSuites', 'names no TLS 1.2 suite, yet tls.minVersion allows TLS 1.2');
  return { ciphers: [...TLS13_SUITES, ...new Set(tls12)].join(':'), minVersion, maxVersion, renegotiation };
}
