import { createHash, timingSafeEqual } from 'node:crypto';
import { parseCertificate, type ParsedCertificate } from '../../../pki/certificate.js';
import { contents, readDer, readRoot, Tag } from '../../../pki/der.js';
import { readGeneralNames, type GeneralName } from '../../../pki/extensionReaders.js';
import { canonicalIp } from '../../../pki/ip.js';
import { OID } from '../../../pki/oids.js';
import { ChallengeFailure, quoted } from './failure.js';
import type { AcmeIdentifier } from './validation.js';

/**
 * Checks the self-signed certificate a tls-alpn-01 responder presented (RFC 8737 §3,
 * RFC 8738 §6), not against any trust store: exactly one subjectAltName, equal to the
 * identifier, and a critical id-pe-acmeIdentifier extension holding an OCTET STRING
 * of SHA-256(keyAuthorization). `from` names the responder in messages.
 * Throws ChallengeFailure('incorrectResponse') saying what is wrong with it.
 */
export function checkAlpnCertificate(der: Buffer, identifier: AcmeIdentifier, keyAuthorization: string, from: string): void {
  const wrong = (what: string): ChallengeFailure => new ChallengeFailure('incorrectResponse', `the tls-alpn-01 certificate from ${from} ${what}`);
  let cert: ParsedCertificate;
  try {
    cert = parseCertificate(der);
  } catch (err) {
    throw wrong(`is not a readable certificate (${err instanceof Error ? err.message : String(err)})`);
  }
  const names = readExtensionValue(cert, OID.subjectAltName, 'subjectAltName', wrong, (value) => readGeneralNames(value));
  if (!names) throw wrong(`has no subjectAltName; it must name ${identifier.value} alone`);
  if (names.value.length !== 1 || !namesIdentifier(names.value[0], identifier)) {
    throw wrong(`must name ${identifier.value} alone in its subjectAltName, not ${names.value.map((n) => `${n.type}:${n.value}`).join(', ') || 'nothing'}`);
  }
  const held = readExtensionValue(cert, OID.acmeIdentifier, 'id-pe-acmeIdentifier', wrong, readOctetString);
  if (!held) throw wrong('has no id-pe-acmeIdentifier extension (1.3.6.1.5.5.7.1.31)');
  if (!held.critical) throw wrong('has an id-pe-acmeIdentifier extension that is not critical');
  const expected = createHash('sha256').update(keyAuthorization).digest();
  if (held.value.length !== expected.length || !timingSafeEqual(held.value, expected)) {
    throw wrong(`holds id-pe-acmeIdentifier ${quoted(held.value.toString('hex'))}, expected SHA-256 of the key authorization ${quoted(expected.toString('hex'))}`);
  }
}

/** One extension's value read by `read`, with its criticality; undefined when absent; a failure when repeated or malformed. */
function readExtensionValue<T>(
  cert: ParsedCertificate,
  id: string,
  name: string,
  wrong: (what: string) => ChallengeFailure,
  read: (value: Buffer) => T,
): { readonly value: T; readonly critical: boolean } | undefined {
  const found = cert.extensions.filter((ext) => ext.id === id);
  if (found.length === 0) return undefined;
  if (found.length > 1) throw wrong(`has ${found.length} ${name} extensions`);
  try {
    return { value: readDer(name, () => read(found[0].value)), critical: found[0].critical };
  } catch (err) {
    throw wrong(`has a malformed ${name} extension (${err instanceof Error ? err.message : String(err)})`);
  }
}

function readOctetString(value: Buffer): Buffer {
  const root = readRoot(value);
  if (root.tag !== Tag.OCTET_STRING) throw new Error('expected an OCTET STRING');
  return contents(value, root);
}

function namesIdentifier(name: GeneralName, identifier: AcmeIdentifier): boolean {
  if (identifier.type === 'dns') return name.type === 'dns' && name.value.toLowerCase() === identifier.value.toLowerCase();
  return name.type === 'ip' && name.value === canonicalIp(identifier.value);
}
