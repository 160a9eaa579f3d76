/** PEM (RFC 7468) encoding and decoding. */

/** Wraps DER bytes in a PEM block with the given label. */
export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64');
  // Lines of 64 characters, cut by slicing: a regular expression doing the same was 1–2% of a sign's CPU.
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** One PEM block found in a text. */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
const LABEL = /^[A-Z0-9 ]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The label of the marker whose label starts at `from` ("X" of "-----BEGIN X-----"), and where the marker ends; undefined when malformed. */
function markerLabel(text: string, from: number): { label: string; end: number } | undefined {
  const close = text.indexOf(DASHES, from);
  if (close < 0 || close - from > 64) return undefined;
  const label = text.slice(from, close);
  return LABEL.test(label) ? { label, end: close + DASHES.length } : undefined;
}

/**
 * Every PEM block of a text, in order (text outside blocks is ignored, as OpenSSL
 * does). One pass: each BEGIN is closed by the next END marker, and scanning goes
 * on after it, so no byte is looked at more than a few times whatever the text.
 * Throws when a block's END names another label or its body is not base64.
 */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let at = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, at);
    if (begin < 0) return out;
    const head = markerLabel(text, begin + BEGIN.length);
    if (!head) {
      at = begin + BEGIN.length;
      continue;
    }
    const end = text.indexOf(END, head.end);
    if (end < 0) return out;
    const tail = markerLabel(text, end + END.length);
    if (!tail || tail.label !== head.label) throw new Error(`PEM block "${head.label}" has no matching END line`);
    const body = text.slice(head.end, end).replace(/\s+/g, '');
    if (!BASE64.test(body)) throw new Error(`malformed base64 in PEM block "${head.label}"`);
    out.push({ label: head.label, der: Buffer.from(body, 'base64') });
    at = tail.end;
  }
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
