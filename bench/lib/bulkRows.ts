/** Store rows made up in bulk for benchmarks: unique random serials, certificate DER of realistic size. */
import { randomBytes } from 'node:crypto';
import type { IssuedCertificate, Revocation, Store } from '../../src/store/store.js';

/** About the size of an EC P-256 leaf certificate's DER. */
export const CERTIFICATE_DER_BYTES = 600;

/** A random positive serial of 16 bytes in decimal, as fedca's own (unique with overwhelming probability). */
export const randomSerial = (): string => BigInt(`0x${randomBytes(16).toString('hex')}`).toString(10);

/** `count` certificates with random serials and `CERTIFICATE_DER_BYTES` random bytes of DER, valid for a day from now. */
export function certificateRows(count: number, now = Date.now()): IssuedCertificate[] {
  const der = randomBytes(count * CERTIFICATE_DER_BYTES);
  return Array.from({ length: count }, (_, i) => ({
    serial: randomSerial(),
    der: der.subarray(i * CERTIFICATE_DER_BYTES, (i + 1) * CERTIFICATE_DER_BYTES),
    commonName: `host-${i}.bench.internal`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    provisioner: 'admin',
  }));
}

/** Revocations (reason keyCompromise for a third, unspecified for the rest) of these serials, each certificate valid for a day from now. */
export function revocationRows(serials: readonly string[], now = Date.now()): Revocation[] {
  return serials.map((serial, i) => ({
    serial,
    reasonCode: i % 3 === 0 ? 1 : 0,
    reason: '',
    revokedAt: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    provisioner: 'admin',
  }));
}

/** Rows given to one `importRows` call (one transaction) when filling a store. */
const FILL_BATCH = 50_000;

/** Adds `count` made-up certificates (certificateRows) to `store` through importRows, a batch at a time. */
export async function fillCertificates(store: Store, count: number): Promise<void> {
  for (let done = 0; done < count; done += FILL_BATCH) await store.importRows({ certificates: certificateRows(Math.min(FILL_BATCH, count - done)) });
}
