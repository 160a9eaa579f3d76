import type { CertificateToCheck } from '../sdk/ocspChecker.js';
import type { ClientEnv } from './managementParser.js';

/** The client certificate OpenVPN verified, as its CLIENT ENV describes it. */
export interface EnvCertificate extends CertificateToCheck {
  /** The certificate's common name ("" when OpenVPN passed none). */
  readonly commonName: string;
}

/**
 * Reads the client certificate from a CLIENT ENV block: the serial from
 * `tls_serial_0` (decimal; `tls_serial_hex_0` when it is missing), the issuer
 * from depth 1 of the chain OpenVPN verified (`tls_digest_sha256_1`, else
 * `X509_1_CN`). Undefined when there is no serial: no certificate to check.
 */
export function certificateFromEnv(env: ClientEnv): EnvCertificate | undefined {
  const decimal = env.get('tls_serial_0') ?? '';
  const hex = (env.get('tls_serial_hex_0') ?? '').replace(/:/g, '');
  const serial = /^\d+$/.test(decimal) ? BigInt(decimal) : /^[0-9a-fA-F]+$/.test(hex) ? BigInt('0x' + hex) : undefined;
  if (serial === undefined) return undefined;
  const issuerFingerprint = env.get('tls_digest_sha256_1') || undefined;
  const issuerCommonName = env.get('X509_1_CN') || undefined;
  return { serial, issuerFingerprint, issuerCommonName, commonName: env.get('common_name') ?? env.get('X509_0_CN') ?? '' };
}
