/** PEM (RFC 7468) encoding and decoding. */

/** Wraps DER bytes in a PEM block with the given label. */
export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** One PEM block found in a text. */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block of a text, in order (text outside blocks is ignored, as OpenSSL does). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = m[2].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new Error(`malformed base64 in PEM block "${m[1]}"`);
    out.push({ label: m[1], der: Buffer.from(body, 'base64') });
  }
  return out;
}

/** The DER of every block with `label` in a text (a certificate bundle, say). */
export function pemDers(text: string, label = 'CERTIFICATE'): Buffer[] {
  return pemBlocks(text).filter((b) => b.label === label).map((b) => b.der);
}

/** PEM text ending in a newline, as files hold it. */
export const pemLine = (pem: string): string => (pem.endsWith('\n') ? pem : pem + '\n');

/** PEM blocks (each with or without its final newline) as one bundle, a newline after each. */
export function pemBundle(pems: readonly string[]): string {
  return pems.map(pemLine).join('');
}
