import { isIP } from 'node:net';
import { formatIp, ipBytes } from '../../../pki/ip.js';

/**
 * Which addresses a validator may contact. A private CA's targets live in private
 * ranges (10/8, 172.16/12, 192.168/16, fc00::/7), so those are contacted; the CA's own
 * host (loopback, the unspecified address, which Linux routes to it) and link-local
 * addresses (cloud metadata services at 169.254.169.254) are not, in IPv4-mapped and
 * NAT64 (64:ff9b::/96) forms neither, unless the provisioner allows loopback. Multicast and broadcast are never contacted.
 */
export interface AddressRules {
  readonly allowLoopback: boolean;
}

/** An IPv4 prefix given as its first octets and its length. */
type V4Range = readonly [first: readonly number[], bits: number, what: string];

const LOOPBACK_CLASS_V4: readonly V4Range[] = [
  [[0], 8, 'an unspecified ("this network") address'],
  [[127], 8, 'a loopback address'],
  [[169, 254], 16, 'a link-local address'],
];
const NEVER_V4: readonly V4Range[] = [
  [[224], 4, 'a multicast address'],
  [[255, 255, 255, 255], 32, 'the broadcast address'],
];

function inV4Range(bytes: Buffer, [first, bits]: V4Range): boolean {
  let left = bits;
  for (let i = 0; left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((bytes[i] & mask) !== ((first[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), if it is one. */
function mappedV4(bytes: Buffer): Buffer | undefined {
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.subarray(12) : undefined;
}

const NAT64_PREFIX = Buffer.from([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]);

/** The IPv4 address inside a NAT64 well-known-prefix address (64:ff9b::a.b.c.d, RFC 6052), which a NAT64 gateway forwards to it. */
function nat64V4(bytes: Buffer): Buffer | undefined {
  return bytes.subarray(0, 12).equals(NAT64_PREFIX) ? bytes.subarray(12) : undefined;
}

function v4Refusal(bytes: Buffer, rules: AddressRules): string | undefined {
  const never = NEVER_V4.find((range) => inV4Range(bytes, range));
  if (never) return never[2];
  if (rules.allowLoopback) return undefined;
  return LOOPBACK_CLASS_V4.find((range) => inV4Range(bytes, range))?.[2];
}

function v6Refusal(bytes: Buffer, rules: AddressRules): string | undefined {
  const v4 = mappedV4(bytes);
  if (v4) {
    const why = v4Refusal(v4, rules);
    return why && `${why} (IPv4-mapped)`;
  }
  const translated = nat64V4(bytes);
  if (translated) {
    const why = v4Refusal(translated, rules);
    return why && `${why} (NAT64)`;
  }
  if (bytes[0] === 0xff) return 'a multicast address';
  if (rules.allowLoopback) return undefined;
  const zeroHead = bytes.subarray(0, 15).every((b) => b === 0);
  if (zeroHead && bytes[15] === 0) return 'the unspecified address';
  if (zeroHead && bytes[15] === 1) return 'a loopback address';
  if (bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80) return 'a link-local address';
  return undefined;
}

/**
 * Why `address` (an IPv4 or IPv6 literal) must not be contacted, as "127.0.0.1 is a
 * loopback address"; undefined when it may be. Not an IP literal → a refusal too.
 */
export function addressRefusal(address: string, rules: AddressRules): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const bytes = ipBytes(address);
  const why = family === 4 ? v4Refusal(bytes, rules) : v6Refusal(bytes, rules);
  const v4 = family === 6 ? mappedV4(bytes) : undefined;
  return why && `${v4 ? `::ffff:${formatIp(v4)}` : formatIp(bytes)} is ${why}`;
}
