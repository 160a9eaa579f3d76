/**
 * A minimal DER (X.690) writer and reader: just the types X.509 needs.
 *
 * Hand-rolled because certificate building is the CA's hot path, and a generic
 * ASN.1 schema library spends most of its time there (measured: ~2.4 ms per leaf
 * with @peculiar/x509 against a few tens of µs for these concatenations).
 */
import { DerError } from './errors.js';

/** Universal tags used by X.509. */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  BMP_STRING: 0x1e,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;

/** How many octets the long form of a DER length takes (0: the short form, one octet in all). */
function longLengthOctets(length: number): number {
  let octets = 0;
  if (length >= 0x80) for (let n = length; n > 0; n = Math.floor(n / 256)) octets++;
  return octets;
}

/** Encodes one TLV with the given tag byte around the concatenated contents. */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  return tlvOf(tag, contents);
}

/**
 * `tlv` for a list of any length: a list whose length a client or the store decides
 * (CRL entries, SANs) is passed as an array, never spread into arguments, which
 * overflows the stack somewhere past 50,000 items. Header and contents are copied
 * once into one buffer (small ones from node's pool): nested TLVs are this encoder's
 * whole cost, on every certificate, CRL and OCSP answer.
 */
export function tlvOf(tag: number, contents: readonly Buffer[]): Buffer {
  let length = 0;
  for (const c of contents) length += c.length;
  const octets = longLengthOctets(length);
  const out = Buffer.allocUnsafe(2 + octets + length);
  out[0] = tag;
  if (octets === 0) out[1] = length;
  else {
    out[1] = 0x80 | octets;
    for (let i = octets, n = length; i > 0; i--, n = Math.floor(n / 256)) out[1 + i] = n & 0xff;
  }
  let offset = 2 + octets;
  for (const c of contents) offset += c.copy(out, offset);
  return out;
}

export const sequence = (...items: Buffer[]): Buffer => tlvOf(Tag.SEQUENCE, items);
/** SEQUENCE (OF) of a list of any length. */
export const sequenceOf = (items: readonly Buffer[]): Buffer => tlvOf(Tag.SEQUENCE, items);
export const set = (...items: Buffer[]): Buffer => tlvOf(Tag.SET, items);
export const octetString = (bytes: Buffer): Buffer => tlv(Tag.OCTET_STRING, bytes);
export const nullValue = (): Buffer => Buffer.from([Tag.NULL, 0]);
export const boolean = (value: boolean): Buffer => Buffer.from([Tag.BOOLEAN, 1, value ? 0xff : 0]);
export const utf8String = (text: string): Buffer => tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));

/** `[n] EXPLICIT` wrapper (constructed, context-specific). */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
/** `[n] IMPLICIT` primitive value (context-specific). */
export const implicitPrimitive = (n: number, bytes: Buffer): Buffer => tlv(0x80 | n, bytes);
/** `[n] IMPLICIT` constructed value (context-specific). */
export const implicitConstructed = (n: number, ...items: Buffer[]): Buffer => tlv(0xa0 | n, ...items);

/** BIT STRING with no unused bits. */
export const bitString = (bytes: Buffer): Buffer => tlv(Tag.BIT_STRING, Buffer.from([0]), bytes);

/** INTEGER from an unsigned big-endian magnitude (adds the sign byte when needed). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const body = trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(Tag.INTEGER, body);
}

/** INTEGER from a small non-negative number or bigint. */
export function integer(value: number | bigint): Buffer {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return unsignedInteger(Buffer.from(hex, 'hex'));
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted form; encodings are cached (a CA uses few). */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const bytes: number[] = [];
  const first = arcs[0] * 40n + arcs[1];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) chunk.unshift(Number((rest & 0x7fn) | 0x80n));
    bytes.push(...chunk);
  }
  const encoded = tlv(Tag.OID, Buffer.from(bytes));
  oidCache.set(dotted, encoded);
  return encoded;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** 0000-01-01 and 10000-01-01 (ms since the epoch): the years a certificate can carry. */
const FIRST_ENCODABLE_MS = -62_167_219_200_000;
const PAST_ENCODABLE_MS = 253_402_300_800_000;
/** 1950-01-01 and 2050-01-01: UTCTime between them, GeneralizedTime outside (RFC 5280 §4.1.2.5). */
const UTC_TIME_FROM_MS = -631_152_000_000;
const UTC_TIME_BEFORE_MS = 2_524_608_000_000;

/** True for a real time (ms since the epoch, not NaN) whose year a certificate can carry (0000-9999). */
const encodableMs = (ms: number): boolean => ms >= FIRST_ENCODABLE_MS && ms < PAST_ENCODABLE_MS;

/** True for a real date whose year a certificate can carry (0000-9999). */
export function isEncodableTime(date: Date): boolean {
  return encodableMs(date.getTime());
}

/**
 * The content octets of the RFC 5280 Time at `ms` (ms since the epoch): 13 for a UTCTime
 * (1950 through 2049), 15 for a GeneralizedTime; RangeError for an invalid or out-of-range
 * time, so no "NaN" is ever encoded. What `time` writes, for encoders that write it themselves.
 */
export function timeContentLength(ms: number): 13 | 15 {
  if (!encodableMs(ms)) throw new RangeError(`cannot encode the time ${String(new Date(ms))} in DER`);
  return ms >= UTC_TIME_FROM_MS && ms < UTC_TIME_BEFORE_MS ? 13 : 15;
}

/** The year of a date DER can write; RangeError for an invalid or out-of-range date. */
function encodableYear(date: Date): number {
  timeContentLength(date.getTime());
  return date.getUTCFullYear();
}

/**
 * The instant a certificate holds for `date`: `time` writes whole seconds, so the
 * milliseconds are dropped. A validity kept in memory beside its DER (to schedule a
 * renewal, say) must be this one, or it can outlast the certificate by up to a second.
 */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050; whole seconds (see wholeSeconds), Zulu. */
export function time(date: Date): Buffer {
  const utcTime = timeContentLength(date.getTime()) === 13;
  const y = date.getUTCFullYear();
  const rest = `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  if (utcTime) return tlv(Tag.UTC_TIME, Buffer.from(pad(y % 100) + rest, 'ascii'));
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(pad(y, 4) + rest, 'ascii'));
}

/** GeneralizedTime (always), as CRL entry extensions such as invalidityDate require. */
export function generalizedTime(date: Date): Buffer {
  const s = `${pad(encodableYear(date), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(s, 'ascii'));
}

/** One decoded TLV: its tag, and where its header and contents lie in the source buffer. */
export interface Element {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset just past the last content byte. */
  readonly end: number;
}

/**
 * Runs a reader of attacker bytes so that it fails with DerError and nothing else:
 * a field missing where the structure needs one (an undefined element read)
 * becomes DerError(`${what} is malformed`).
 */
export function readDer<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof DerError) throw err;
    throw new DerError(`${what} is malformed`);
  }
}

/** Reads the TLV starting at `offset`; the whole element must fit before `limit`. */
export function readElement(buf: Buffer, offset: number, limit = buf.length): Element {
  if (offset + 2 > limit) throw new DerError('truncated DER element');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  let length = buf[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported DER length');
    if (contentStart + count > limit) throw new DerError('truncated DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[contentStart + i];
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('DER element runs past its container');
  return { tag, start: offset, contentStart, end };
}

/**
 * What no honest X.509 input comes near, so parsing stays linear with small
 * constants whatever a client sends: CSRs, certificates, OCSP requests, renew-token
 * chains. The deepest structure fedca reads is a certificate inside a signed OCSP
 * request (about 12 levels).
 */
export const DER_LIMITS = {
  /** Nesting of constructed elements. */
  maxDepth: 20,
  /** Elements in one parsed object (a CSR with a thousand SANs has about 1,050). */
  maxElements: 10_000,
  /** Content bytes of one OBJECT IDENTIFIER (real ones have under 40). */
  maxOidBytes: 128,
  /** Content bytes of an INTEGER read as a number (serials have at most 21). */
  maxIntegerBytes: 32,
} as const;

/** Structural limits of a parse (DER_LIMITS unless the caller knows better). */
export interface StructureLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

/**
 * Walks every constructed element of `root` once (no recursion) and refuses
 * nesting deeper than `limits.maxDepth` or more than `limits.maxElements`
 * elements, before any parser looks inside.
 */
export function checkStructure(buf: Buffer, root: Element, limits: StructureLimits = DER_LIMITS): void {
  let count = 1;
  // Each frame: the next offset to read in a constructed element, its end, and its depth.
  const stack: { at: number; end: number; depth: number }[] = [];
  if (root.tag & 0x20) stack.push({ at: root.contentStart, end: root.end, depth: 1 });
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.at >= frame.end) {
      stack.pop();
      continue;
    }
    const el = readElement(buf, frame.at, frame.end);
    frame.at = el.end;
    if (++count > limits.maxElements) throw new DerError(`DER structure has more than ${limits.maxElements} elements`);
    if (el.tag & 0x20) {
      if (frame.depth + 1 > limits.maxDepth) throw new DerError(`DER structure is nested deeper than ${limits.maxDepth} levels`);
      stack.push({ at: el.contentStart, end: el.end, depth: frame.depth + 1 });
    }
  }
}

/** Reads a whole buffer that must hold exactly one element, within `limits` (see checkStructure). */
export function readRoot(buf: Buffer, limits: StructureLimits = DER_LIMITS): Element {
  const el = readElement(buf, 0);
  if (el.end !== buf.length) throw new DerError('trailing bytes after DER element');
  checkStructure(buf, el, limits);
  return el;
}

/** The direct children of a constructed element. */
export function children(buf: Buffer, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const el = readElement(buf, at, parent.end);
    out.push(el);
    at = el.end;
  }
  return out;
}

/** Reads the children of `parent` and checks that it has the expected tag. */
export function expectChildren(buf: Buffer, parent: Element, tag: number, what: string): Element[] {
  if (parent.tag !== tag) throw new DerError(`${what}: unexpected DER tag 0x${parent.tag.toString(16)}`);
  return children(buf, parent);
}

export const contents = (buf: Buffer, el: Element): Buffer => buf.subarray(el.contentStart, el.end);
export const whole = (buf: Buffer, el: Element): Buffer => buf.subarray(el.start, el.end);

/** Arcs up to this are added up as numbers, exactly; larger ones (UUID arcs) as bigints. */
const NUMBER_ARC_LIMIT = 2 ** 45;

/**
 * Decodes an OBJECT IDENTIFIER element to dotted form: one pass, refusing more than
 * DER_LIMITS.maxOidBytes content bytes and non-minimal or truncated arcs.
 */
export function readOid(buf: Buffer, el: Element): string {
  if (el.tag !== Tag.OID) throw new DerError('expected an OBJECT IDENTIFIER');
  const length = el.end - el.contentStart;
  if (length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  if (length > DER_LIMITS.maxOidBytes) throw new DerError(`OBJECT IDENTIFIER of ${length} bytes is longer than ${DER_LIMITS.maxOidBytes}`);
  const arcs: (number | bigint)[] = [];
  let value: number | bigint = 0;
  let arcStart = true;
  for (let i = el.contentStart; i < el.end; i++) {
    const byte = buf[i];
    if (arcStart && byte === 0x80) throw new DerError('OBJECT IDENTIFIER arc is not minimally encoded');
    arcStart = false;
    const low = byte & 0x7f;
    if (typeof value === 'number' && value >= NUMBER_ARC_LIMIT) value = BigInt(value);
    value = typeof value === 'number' ? value * 128 + low : (value << 7n) | BigInt(low);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
      arcStart = true;
    }
  }
  if (!arcStart) throw new DerError('OBJECT IDENTIFIER ends inside an arc');
  const head = arcs[0];
  const first = typeof head === 'number' ? (head < 80 ? [Math.floor(head / 40), head % 40] : [2, head - 80]) : [2, head - 80n];
  arcs[0] = first[1];
  return `${first[0]}.${arcs.join('.')}`;
}

/** Decodes a string-valued element (UTF8String, PrintableString, IA5String, ...). */
export function readString(buf: Buffer, el: Element): string {
  return contents(buf, el).toString(el.tag === Tag.UTF8_STRING ? 'utf8' : 'latin1');
}

/** Decodes UTCTime or GeneralizedTime (Zulu, whole seconds); a field out of range (month 13, 25:00) is refused, not rolled over. */
export function readTime(buf: Buffer, el: Element): Date {
  if (el.tag !== Tag.UTC_TIME && el.tag !== Tag.GENERALIZED_TIME) throw new DerError('expected a UTCTime or GeneralizedTime');
  if (el.end - el.contentStart > 15) throw new DerError('time encoding is too long');
  const s = contents(buf, el).toString('latin1');
  const m = el.tag === Tag.UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new DerError(`unsupported time encoding ${JSON.stringify(s)}`);
  let year = Number(m[1]);
  if (el.tag === Tag.UTC_TIME) year += year < 50 ? 2000 : 1900;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100) date.setUTCFullYear(year);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || date.getUTCHours() !== hour || date.getUTCMinutes() !== minute || date.getUTCSeconds() !== second) {
    throw new DerError(`time ${JSON.stringify(s)} is not a real date`);
  }
  return date;
}

/** The unsigned magnitude of an INTEGER element, as a bigint; at most `maxBytes` content bytes (DER_LIMITS.maxIntegerBytes). */
export function readInteger(buf: Buffer, el: Element, maxBytes: number = DER_LIMITS.maxIntegerBytes): bigint {
  if (el.tag !== Tag.INTEGER) throw new DerError('expected an INTEGER');
  const bytes = contents(buf, el);
  if (bytes.length > maxBytes) throw new DerError(`INTEGER of ${bytes.length} bytes is larger than ${maxBytes}`);
  return bytes.length === 0 ? 0n : BigInt('0x' + bytes.toString('hex'));
}

/** The contents of a BIT STRING (which must have no unused bits). */
export function readBitString(buf: Buffer, el: Element): Buffer {
  if (el.tag !== Tag.BIT_STRING) throw new DerError('expected a BIT STRING');
  const bytes = contents(buf, el);
  if (bytes.length === 0 || bytes[0] !== 0) throw new DerError('BIT STRING with unused bits');
  return bytes.subarray(1);
}
