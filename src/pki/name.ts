import { expectChildren, oid, readOid, readRoot, readString, sequence, set, Tag, utf8String, type Element } from './der.js';
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

/** The (last) commonName of a Name element; "" when it has none. Throws DerError when malformed. */
export function readCommonName(buf: Buffer, name: Element): string {
  let cn = '';
  for (const rdn of expectChildren(buf, name, Tag.SEQUENCE, 'Name')) {
    for (const atv of expectChildren(buf, rdn, Tag.SET, 'RelativeDistinguishedName')) {
      const [type, value] = expectChildren(buf, atv, Tag.SEQUENCE, 'AttributeTypeAndValue');
      if (readOid(buf, type) === OID.commonName) cn = readString(buf, value);
    }
  }
  return cn;
}

/** The commonName of a DER Name (a certificate's subject, say); "" when it has none. */
export const commonNameOf = (nameDer: Buffer): string => readCommonName(nameDer, readRoot(nameDer));
