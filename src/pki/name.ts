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

/** The short names of attribute types (RFC 4514 §3, and PKCS #9's emailAddress as OpenSSL writes it). */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  [OID.commonName]: 'CN',
  [OID.organizationName]: 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.8': 'ST',
  '2.5.4.7': 'L',
  '2.5.4.9': 'STREET',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'E',
};

/**
 * A DER Name as text, its RDNs in the order they are encoded ("O=Test, CN=Test
 * Root CA"), the attributes of a multi-valued RDN joined by "+", an unknown type by its OID.
 * Throws DerError when malformed.
 */
export function nameText(nameDer: Buffer): string {
  const rdns = expectChildren(nameDer, readRoot(nameDer), Tag.SEQUENCE, 'Name').map((rdn) =>
    expectChildren(nameDer, rdn, Tag.SET, 'RelativeDistinguishedName')
      .map((atv) => {
        const [type, value] = expectChildren(nameDer, atv, Tag.SEQUENCE, 'AttributeTypeAndValue');
        const oid = readOid(nameDer, type);
        return `${ATTRIBUTE_NAMES[oid] ?? oid}=${readString(nameDer, value)}`;
      })
      .join('+'),
  );
  return rdns.join(', ');
}

/** The commonName of a DER Name (a certificate's subject, say); "" when it has none. */
export const commonNameOf = (nameDer: Buffer): string => readCommonName(nameDer, readRoot(nameDer));
