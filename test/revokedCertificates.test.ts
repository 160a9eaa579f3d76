import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signCrl, type CrlEntry } from '../src/pki/crl.js';
import { integer, sequence, sequenceOf, time, tlv, Tag } from '../src/pki/der.js';
import { extension } from '../src/pki/extensions.js';
import { createIssuer } from '../src/pki/issuer.js';
import { issueRoot } from '../src/pki/issueCertificate.js';
import { generateKey } from '../src/pki/keys.js';
import { OID } from '../src/pki/oids.js';
import { toPem } from '../src/pki/pem.js';
import { encodeRevokedCertificates } from '../src/pki/revokedCertificates.js';

/** The list as the TLV functions compose it (how signCrl encoded it before the one-buffer writer). */
const composed = (entries: readonly CrlEntry[]): Buffer =>
  sequenceOf(
    entries.map((e) =>
      e.reasonCode === 0
        ? sequence(integer(e.serial), time(e.revokedAt))
        : sequence(integer(e.serial), time(e.revokedAt), sequence(extension(OID.cRLReason, tlv(Tag.ENUMERATED, Buffer.from([e.reasonCode]))))),
    ),
  );

const at = (iso: string): Date => new Date(iso);

describe('pki/revokedCertificates: the CRL entry list written into one buffer', () => {
  it('is byte for byte what the TLV functions compose: serials at every sign-octet edge, UTCTime and GeneralizedTime years, every reason', () => {
    const serials = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 2n ** 63n, 2n ** 127n - 1n, 2n ** 127n, 2n ** 159n, 2n ** 160n - 1n];
    const dates = [at('1950-01-01T00:00:00Z'), at('1949-12-31T23:59:59Z'), at('2049-12-31T23:59:59Z'), at('2050-01-01T00:00:00Z'), at('2026-11-28T15:30:07.999Z'), at('0001-02-03T04:05:06Z'), at('0000-01-01T00:00:00Z'), at('0000-03-01T00:00:00Z'), at('9999-12-31T23:59:59Z'), at('1960-02-29T12:34:56Z'), at('1969-12-31T23:59:59.5Z'), at('2000-02-29T00:00:00Z'), at('2100-03-01T00:00:00Z'), at('1600-02-29T23:00:00Z')];
    const entries: CrlEntry[] = [];
    for (let i = 0; i < 400; i++) entries.push({ serial: serials[i % serials.length] + BigInt(i % 3), revokedAt: dates[i % dates.length], reasonCode: i % 11 });
    assert.deepEqual(encodeRevokedCertificates(entries), composed(entries));
    assert.deepEqual(encodeRevokedCertificates(entries.slice(0, 1)), composed(entries.slice(0, 1)), 'one entry: a short-form list length');
  });

  it('refuses a negative serial and a date DER cannot carry (RangeError), never writing an invalid list', () => {
    const ok: CrlEntry = { serial: 5n, revokedAt: at('2030-01-01T00:00:00Z'), reasonCode: 1 };
    assert.throws(() => encodeRevokedCertificates([ok, { ...ok, serial: -5n }]), RangeError);
    assert.throws(() => encodeRevokedCertificates([ok, { ...ok, revokedAt: new Date(NaN) }]), RangeError);
    assert.throws(() => encodeRevokedCertificates([ok, { ...ok, revokedAt: at('+010000-01-01T00:00:00Z') }]), RangeError);
    assert.throws(() => encodeRevokedCertificates([ok, { ...ok, revokedAt: at('-000001-12-31T23:59:59Z') }]), RangeError);
  });

  it('a CRL of 100,000 entries: openssl verifies its signature and lists every serial, date and reason as written', () => {
    const key = generateKey({ kty: 'EC' });
    const issuer = createIssuer(issueRoot('Crl Co', key), key);
    const thisUpdate = at('2030-06-01T12:00:00Z');
    const entries: CrlEntry[] = [];
    for (let i = 0; i < 100_000; i++) entries.push({ serial: (2n ** 127n + BigInt(i) * 7919n) >> BigInt(i % 64), revokedAt: new Date(thisUpdate.getTime() - i * 1000), reasonCode: i % 3 === 0 ? 1 : 0 });
    const dir = mkdtempSync(join(tmpdir(), 'fedca-crl-'));
    try {
      writeFileSync(join(dir, 'big.crl'), signCrl({ crlNumber: 7n, thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + 86_400_000), entries }, issuer));
      writeFileSync(join(dir, 'root.pem'), toPem(issuer.certificate.der, 'CERTIFICATE'));
      const out = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', join(dir, 'big.crl'), '-CAfile', join(dir, 'root.pem'), '-noout', '-text'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      assert.equal(out.status, 0, out.stderr);
      assert.match(out.stderr, /verify OK/);
      // Each entry prints as "Serial Number: HEX", "Revocation Date: Jun  1 12:00:00 2030 GMT", then its reason if any.
      const listed = out.stdout.split('Serial Number: ').slice(1);
      assert.equal(listed.length, entries.length);
      listed.forEach((text, i) => {
        const [serial, rest] = [text.slice(0, text.indexOf('\n')), text];
        assert.equal(BigInt('0x' + serial), entries[i].serial, `serial ${i}`);
        assert.equal(new Date(/Revocation Date: (.+ GMT)/.exec(rest)?.[1] ?? '').getTime(), entries[i].revokedAt.getTime(), `date ${i}`);
        assert.equal(rest.includes('Key Compromise'), entries[i].reasonCode === 1, `reason ${i}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
