import { domainToASCII } from 'node:url';
import { quote } from '../errors.js';
import type { SubjectAltNames } from './extensions.js';

/**
 * Names as RFC 5280 lets a certificate carry them: DNS names as LDH labels
 * (A-labels for internationalised names), email addresses and URIs in ASCII
 * (IA5String), and no control characters anywhere, the commonName included.
 * A name that cannot be written so is refused, never mangled.
 */

/** A name that a certificate cannot carry as RFC 5280 requires; the message names the offending character. */
export class NameError extends Error {
  readonly code = 'ERR_NAME';
}

/** Names one certificate may carry: far above any honest request, and it bounds a certificate's size. */
export const MAX_SANS = 1000;

const hex = (c: number): string => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

/** A character at `index` of `text`, shown as RFC 5280 refusals name it. */
function offending(what: string, text: string, index: number, why: string): NameError {
  const code = text.codePointAt(index) ?? 0;
  const char = code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xdfff) ? '' : ` "${String.fromCodePoint(code)}"`;
  return new NameError(`${what} ${quote(text)} has ${why}${char} (${hex(code)}) at position ${index}`);
}

// Controls (C0, DEL, C1) and lone surrogates, which UTF-8 cannot carry.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses control characters and unpaired surrogates: the check every name passes. */
function refuseControls(what: string, text: string): void {
  const m = FORBIDDEN.exec(text);
  if (m) throw offending(what, text, m.index, /[\ud800-\udfff]/.test(m[0]) ? 'an unpaired surrogate' : 'a control character');
}

/** A commonName as given (a UTF8String may carry any character but controls). */
export function checkCommonName(cn: string): string {
  refuseControls('common name', cn);
  return cn;
}

// LDH labels, and "_" as Go's crypto/x509 tolerates it: private names such as
// "kube_client" are in use, and step-ca issues them.
const LDH_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
const NON_ASCII = /[^\u0000-\u007f]/;

/** A DNS name as LDH labels (an internationalised one converted to A-labels; "_" tolerated); `*` only as the whole left label when `wildcard`. */
export function dnsNameToAscii(name: string, what = 'DNS name', wildcard = true): string {
  refuseControls(what, name);
  const ascii = NON_ASCII.test(name) ? domainToASCII(name) : name;
  if (ascii === '') throw new NameError(`${what} ${quote(name)} is not a valid internationalised domain name`);
  if (ascii.length > 253) throw new NameError(`${what} ${quote(name)} is longer than 253 characters`);
  const labels = ascii.split('.');
  let at = 0;
  for (const [i, label] of labels.entries()) {
    const ok = LDH_LABEL.test(label) || (wildcard && i === 0 && label === '*' && labels.length > 1);
    if (!ok) {
      if (label === '') throw new NameError(`${what} ${quote(name)} has an empty label`);
      if (label.length > 63) throw new NameError(`${what} ${quote(name)} has a label longer than 63 characters`);
      const bad = [...label].findIndex((c, j) => !/[A-Za-z0-9_]/.test(c) && !(c === '-' && j > 0 && j < label.length - 1));
      // `ascii` may differ from `name` (A-labels); point into what the requester sent when it is plain ASCII.
      if (ascii === name) throw offending(what, name, at + Math.max(bad, 0), 'a character not allowed in a DNS name label');
      throw new NameError(`${what} ${quote(name)} (${quote(ascii)}) is not a DNS name of letters, digits and hyphens`);
    }
    at += label.length + 1;
  }
  return ascii;
}

const PRINTABLE_ASCII = /[^\u0021-\u007e]/;

/** An email address (rfc822Name): an ASCII local part, its domain as a DNS name (A-labels). */
export function emailToAscii(address: string): string {
  refuseControls('email address', address);
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const bad = PRINTABLE_ASCII.exec(local) ?? /@/.exec(local);
  if (at <= 0 || bad) {
    if (bad) throw offending('email address', address, bad.index, 'a character not allowed in the local part of an rfc822Name');
    throw new NameError(`email address ${quote(address)} has no local part`);
  }
  return `${local}@${dnsNameToAscii(address.slice(at + 1), 'email address domain', false)}`;
}

// RFC 3986: unreserved, reserved and '%'.
const URI_CHARS = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/;

/** A URI in ASCII (an IRI converted: host to A-labels, the rest percent-encoded). */
export function uriToAscii(uri: string): string {
  refuseControls('URI', uri);
  let ascii = uri;
  if (NON_ASCII.test(uri)) {
    try {
      ascii = new URL(uri).href;
    } catch {
      throw new NameError(`URI ${quote(uri)} is not ASCII and cannot be converted to a URI`);
    }
  }
  const bad = URI_CHARS.exec(ascii);
  if (bad) {
    if (ascii === uri) throw offending('URI', uri, bad.index, 'a character not allowed in a URI');
    throw new NameError(`URI ${quote(uri)} (${quote(ascii)}) has a character not allowed in a URI`);
  }
  return ascii;
}

/** SANs as a certificate carries them (see the functions above); NameError for the first that cannot be. */
export function encodableSans(sans: SubjectAltNames): SubjectAltNames {
  const count = sans.dns.length + sans.ips.length + sans.emails.length + sans.uris.length;
  if (count > MAX_SANS) throw new NameError(`${count} subject alternative names are more than the ${MAX_SANS} a certificate may carry`);
  return {
    dns: sans.dns.map((n) => dnsNameToAscii(n)),
    ips: sans.ips,
    emails: sans.emails.map(emailToAscii),
    uris: sans.uris.map(uriToAscii),
  };
}

/** The IA5String bytes of an ASCII name; NameError for any other character (never `Buffer.from(x, 'ascii')`, which mangles them). */
export function ia5Bytes(text: string, what: string): Buffer {
  refuseControls(what, text);
  const bad = /[^\u0000-\u007f]/.exec(text);
  if (bad) throw offending(what, text, bad.index, 'a character an IA5String cannot carry');
  return Buffer.from(text, 'latin1');
}
