import { isIP } from 'node:net';
import type { ParsedCsr } from '../../pki/csr.js';
import { canonicalIp } from '../../pki/ip.js';
import type { AcmeIdentifierRecord } from '../../store/store.js';
import { AcmeProblem } from './problem.js';

/** The most identifiers one order may name. */
const MAX_ORDER_IDENTIFIERS = 100;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Whether `name` is a DNS name a certificate may carry (letters, digits, hyphens; at least two labels). */
function isDnsName(name: string): boolean {
  if (name.length > 253) return false;
  const labels = name.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l));
}

/**
 * Reads a newOrder's identifiers (RFC 8555 §7.4; RFC 8738 for "ip"): DNS names in
 * lower case (a `*.` wildcard allowed), IP addresses in canonical form, no
 * duplicates. malformed, unsupportedIdentifier or rejectedIdentifier otherwise.
 */
export function readOrderIdentifiers(value: unknown): AcmeIdentifierRecord[] {
  if (!Array.isArray(value) || value.length === 0) throw new AcmeProblem('malformed', 'newOrder needs a non-empty "identifiers" list');
  if (value.length > MAX_ORDER_IDENTIFIERS) throw new AcmeProblem('rejectedIdentifier', `an order may name at most ${MAX_ORDER_IDENTIFIERS} identifiers`);
  const out: AcmeIdentifierRecord[] = [];
  for (const item of value as unknown[]) {
    const { type, value: v } = (typeof item === 'object' && item !== null ? item : {}) as { type?: unknown; value?: unknown };
    if (typeof type !== 'string' || typeof v !== 'string' || v === '') throw new AcmeProblem('malformed', 'each identifier needs a string "type" and "value"');
    const shown = JSON.stringify(v.slice(0, 80));
    let identifier: AcmeIdentifierRecord;
    if (type === 'dns') {
      const name = v.toLowerCase().replace(/\.$/, '');
      const base = name.startsWith('*.') ? name.slice(2) : name;
      if (!isDnsName(base)) throw new AcmeProblem('rejectedIdentifier', `${shown} is not a DNS name this CA issues for`);
      identifier = { type: 'dns', value: name };
    } else if (type === 'ip') {
      if (isIP(v) === 0) throw new AcmeProblem('malformed', `${shown} is not an IP address`);
      identifier = { type: 'ip', value: canonicalIp(v) };
    } else {
      throw new AcmeProblem('unsupportedIdentifier', `identifier type ${JSON.stringify(type.slice(0, 20))} is not supported (dns, ip)`);
    }
    if (!out.some((o) => o.type === identifier.type && o.value === identifier.value)) out.push(identifier);
  }
  return out;
}

const key = (i: AcmeIdentifierRecord): string => `${i.type}:${i.value}`;

/**
 * Checks that a finalize CSR asks for exactly the order's identifiers (RFC 8555 §7.4):
 * its DNS and IP SANs, and its common name when it has one, all in the order, and
 * every identifier of the order among them; no email or URI names. badCSR otherwise.
 */
export function checkCsrNames(csr: ParsedCsr, identifiers: readonly AcmeIdentifierRecord[]): void {
  if (csr.sans.emails.length > 0 || csr.sans.uris.length > 0) throw new AcmeProblem('badCSR', 'CSR may only name DNS names and IP addresses');
  const asked: AcmeIdentifierRecord[] = [...csr.sans.dns.map((d) => ({ type: 'dns' as const, value: d.toLowerCase() })), ...csr.sans.ips.map((ip) => ({ type: 'ip' as const, value: canonicalIp(ip) }))];
  if (csr.commonName !== '') asked.push(isIP(csr.commonName) ? { type: 'ip', value: canonicalIp(csr.commonName) } : { type: 'dns', value: csr.commonName.toLowerCase() });
  const ordered = new Set(identifiers.map(key));
  const foreign = asked.filter((a) => !ordered.has(key(a)));
  if (foreign.length > 0) throw new AcmeProblem('badCSR', `CSR names ${JSON.stringify(foreign.slice(0, 10).map((f) => f.value))}, which the order does not`);
  const named = new Set(asked.map(key));
  const missing = identifiers.filter((i) => !named.has(key(i)));
  if (missing.length > 0) throw new AcmeProblem('badCSR', `CSR does not name ${JSON.stringify(missing.slice(0, 10).map((m) => m.value))} of the order`);
}
