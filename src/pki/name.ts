import { oid, sequence, set, utf8String } from './der.js';
import { OID } from './oids.js';

/** The parts of an X.501 distinguished name that fedca issues. */
export interface NameParts {
  readonly commonName: string;
  readonly organization?: string;
}

const attribute = (type: string, value: string): Buffer => set(sequence(oid(type), utf8String(value)));

/** Encodes a Name (RFC 5280 §4.1.2.4): O first, then CN, each a single-valued RDN. */
export function encodeName(parts: NameParts): Buffer {
  const rdns: Buffer[] = [];
  if (parts.organization) rdns.push(attribute(OID.organizationName, parts.organization));
  rdns.push(attribute(OID.commonName, parts.commonName));
  return sequence(...rdns);
}

/** The common name in a subject as node:crypto prints it ("O=x\nCN=y"); "" when there is none. */
export function commonNameOf(subject: string): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(subject)?.[1] ?? '';
}
