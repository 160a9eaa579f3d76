import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bitString, boolean, children, contents, generalizedTime, integer, oid, readBitString, readElement, readInteger, readOid, readRoot, readTime, sequence, Tag, time, tlv, unsignedInteger } from '../src/pki/der.js';
import { DerError } from '../src/pki/errors.js';
import { openssl } from './helpers/exec.js';

const hex = (b: Buffer): string => b.toString('hex');
const decodeInteger = (der: Buffer): bigint => readInteger(der, readRoot(der));
const decodeTime = (der: Buffer): Date => readTime(der, readRoot(der));

describe('pki/der', () => {
  describe('INTEGER', () => {
    const cases: [bigint, string][] = [
      [0n, '020100'],
      [1n, '020101'],
      [127n, '02017f'],
      [128n, '02020080'],
      [255n, '020200ff'],
      [256n, '02020100'],
      [65535n, '020300ffff'],
      [2n ** 64n, '0209010000000000000000'],
    ];
    for (const [value, encoding] of cases) {
      it(`encodes ${value} as ${encoding} and reads it back`, () => {
        assert.equal(hex(integer(value)), encoding);
        assert.equal(decodeInteger(integer(value)), value);
      });
    }

    it('round-trips 128-bit serials, with a sign byte only when the top bit is set', () => {
      for (let i = 0; i < 50; i++) {
        const magnitude = randomBytes(16);
        const der = unsignedInteger(magnitude);
        assert.equal(decodeInteger(der), BigInt('0x' + hex(magnitude)));
        const first = contents(der, readRoot(der));
        assert.ok(first[0] !== 0 || (first.length > 1 && first[1] & 0x80), `non-minimal encoding ${hex(der)}`);
      }
    });

    it('drops leading zero bytes of a magnitude', () => {
      assert.equal(hex(unsignedInteger(Buffer.from([0, 0, 1]))), '020101');
      assert.equal(hex(unsignedInteger(Buffer.from([0, 0, 0x80]))), '02020080');
      assert.equal(hex(unsignedInteger(Buffer.from([0]))), '020100');
    });
  });

  describe('OBJECT IDENTIFIER', () => {
    const cases: [string, string][] = [
      ['2.5.29.19', '0603551d13'],
      ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
      ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
      ['1.3.6.1.4.1.37476.9000.64.1', '060c2b0601040182a464c6284001'],
      ['2.999.3', '0603883703'],
    ];
    for (const [dotted, encoding] of cases) {
      it(`encodes ${dotted} and reads it back`, () => {
        const der = oid(dotted);
        assert.equal(hex(der), encoding);
        assert.equal(readOid(der, readRoot(der)), dotted);
      });
    }

    it('refuses to read another type as an OID', () => {
      const der = integer(5);
      assert.throws(() => readOid(der, readRoot(der)), DerError);
    });
  });

  describe('Time', () => {
    it('uses UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
      const cases: [string, number, string][] = [
        ['1950-01-01T00:00:00Z', Tag.UTC_TIME, '500101000000Z'],
        ['2026-03-04T05:06:07Z', Tag.UTC_TIME, '260304050607Z'],
        ['2049-12-31T23:59:59Z', Tag.UTC_TIME, '491231235959Z'],
        ['2050-01-01T00:00:00Z', Tag.GENERALIZED_TIME, '20500101000000Z'],
        ['2099-06-30T12:00:00Z', Tag.GENERALIZED_TIME, '20990630120000Z'],
        ['1949-12-31T23:59:59Z', Tag.GENERALIZED_TIME, '19491231235959Z'],
      ];
      for (const [iso, tag, text] of cases) {
        const der = time(new Date(iso));
        const el = readRoot(der);
        assert.equal(el.tag, tag, iso);
        assert.equal(contents(der, el).toString('ascii'), text);
        assert.equal(decodeTime(der).toISOString(), new Date(iso).toISOString());
      }
    });

    it('drops milliseconds (whole seconds, as DER requires)', () => {
      assert.equal(decodeTime(time(new Date('2030-01-01T00:00:00.999Z'))).toISOString(), '2030-01-01T00:00:00.000Z');
    });

    it('generalizedTime is GeneralizedTime even before 2050', () => {
      const der = generalizedTime(new Date('2030-05-06T07:08:09Z'));
      assert.equal(readRoot(der).tag, Tag.GENERALIZED_TIME);
      assert.equal(decodeTime(der).toISOString(), '2030-05-06T07:08:09.000Z');
    });

    it('refuses times with fractions or offsets', () => {
      const der = tlv(Tag.GENERALIZED_TIME, Buffer.from('20300101000000.5Z'));
      assert.throws(() => decodeTime(der), DerError);
      assert.throws(() => decodeTime(tlv(Tag.UTC_TIME, Buffer.from('3001010000+0100'))), DerError);
    });
  });

  describe('lengths and structure', () => {
    for (const size of [0, 127, 128, 255, 256, 70_000]) {
      it(`encodes and reads back ${size} content bytes`, () => {
        const body = randomBytes(size);
        const der = tlv(Tag.OCTET_STRING, body);
        const el = readRoot(der);
        assert.equal(el.tag, Tag.OCTET_STRING);
        assert.ok(contents(der, el).equals(body));
        assert.equal(el.contentStart, size < 128 ? 2 : size < 256 ? 3 : size < 65536 ? 4 : 5);
      });
    }

    it('reads the children of a SEQUENCE, booleans and bit strings', () => {
      const der = sequence(boolean(true), boolean(false), bitString(Buffer.from([0xde, 0xad])), integer(7));
      const [t, f, bits, seven] = children(der, readRoot(der));
      assert.deepEqual([contents(der, t)[0], contents(der, f)[0]], [0xff, 0]);
      assert.equal(hex(readBitString(der, bits)), 'dead');
      assert.equal(readInteger(der, seven), 7n);
    });

    it('openssl parses what it writes', async () => {
      const der = sequence(integer(2n ** 70n), oid('1.2.840.113549.1.1.11'), time(new Date('2050-01-01T00:00:00Z')), boolean(true), bitString(Buffer.from([1, 2])));
      const out = await openssl(['asn1parse', '-inform', 'DER'], der);
      assert.match(out, /INTEGER\s+:400000000000000000/);
      assert.match(out, /OBJECT\s+:sha256WithRSAEncryption/);
      assert.match(out, /GENERALIZEDTIME\s+:20500101000000Z/);
      assert.match(out, /BOOLEAN\s+:255/);
    });

    it('refuses truncated input and trailing bytes', () => {
      const der = sequence(integer(1), integer(2));
      assert.throws(() => readRoot(der.subarray(0, der.length - 1)), DerError);
      assert.throws(() => readRoot(Buffer.concat([der, Buffer.from([0])])), DerError);
      assert.throws(() => readElement(Buffer.from([0x30]), 0), DerError);
      assert.throws(() => readElement(Buffer.from([0x04, 0x85, 1, 2, 3, 4, 5]), 0), DerError, 'a 5-byte length');
      assert.throws(() => readBitString(Buffer.from([0x03, 0x02, 0x04, 0xf0]), readRoot(Buffer.from([0x03, 0x02, 0x04, 0xf0]))), DerError, 'unused bits');
    });
  });
});
