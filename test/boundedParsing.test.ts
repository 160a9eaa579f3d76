import assert from 'node:assert/strict';
import { validateConfig } from '../src/config/load.js';
import { MAX_DURATION_MS, parseDuration } from '../src/config/duration.js';
import { parseRfc3339 } from '../src/config/rfc3339.js';
import { checkStructure, DER_LIMITS, oid, readElement, readInteger, readOid, readRoot, readTime, sequence, tlv, Tag, time } from '../src/pki/der.js';
import { pemBlocks, toPem } from '../src/pki/pem.js';
import { deepSequence, hugeOid } from './helpers/hostileInputs.js';

const one = (der: Buffer) => readRoot(der);

/** Issue 10: every parser of attacker bytes refuses, by structure, what no honest client sends. */
describe('bounded parsing', () => {
  describe('OBJECT IDENTIFIER', () => {
    it('refuses more than 128 content bytes, whatever follows', () => {
      const der = hugeOid(185_000);
      assert.throws(() => readOid(der, readElement(der, 0)), /OBJECT IDENTIFIER of 185000 bytes is longer than 128/);
      const limit = hugeOid(DER_LIMITS.maxOidBytes);
      assert.match(readOid(limit, readElement(limit, 0)), /^1\.2(\.129)+\.1$/);
    });

    it('refuses non-minimal and truncated arcs', () => {
      assert.throws(() => readOid(Buffer.from('06032a8001', 'hex'), readElement(Buffer.from('06032a8001', 'hex'), 0)), /not minimally encoded/);
      assert.throws(() => readOid(Buffer.from('06022a81', 'hex'), readElement(Buffer.from('06022a81', 'hex'), 0)), /ends inside an arc/);
    });

    it('still reads arcs beyond 2^53 exactly (UUID OIDs)', () => {
      const dotted = '2.25.329800735698586629295641978511506172918';
      const der = oid(dotted);
      assert.equal(readOid(der, one(der)), dotted);
    });
  });

  describe('structure', () => {
    it('refuses nesting deeper than 20 levels before any reader looks inside', () => {
      assert.doesNotThrow(() => one(deepSequence(20)));
      assert.throws(() => one(deepSequence(21)), /nested deeper than 20 levels/);
      assert.throws(() => one(deepSequence(100_000)), /nested deeper than 20 levels/);
    });

    it('refuses more than 10,000 elements, unless the caller raises the limit', () => {
      const wide = sequence(...Array.from({ length: 10_000 }, () => tlv(Tag.NULL)));
      assert.throws(() => one(wide), /more than 10000 elements/);
      assert.doesNotThrow(() => readRoot(wide, { maxDepth: 20, maxElements: 20_000 }));
      assert.doesNotThrow(() => checkStructure(wide, readElement(wide, 0), { maxDepth: 2, maxElements: 10_001 }));
    });

    it('refuses INTEGERs larger than any serial', () => {
      const big = tlv(Tag.INTEGER, Buffer.alloc(33, 1));
      assert.throws(() => readInteger(big, one(big)), /INTEGER of 33 bytes is larger than 32/);
      const serial = tlv(Tag.INTEGER, Buffer.alloc(21, 1));
      assert.equal(readInteger(serial, one(serial)), BigInt('0x' + '01'.repeat(21)));
    });
  });

  describe('times', () => {
    it('reads only real dates from DER, never rolling over', () => {
      for (const text of ['301301000000Z', '300231000000Z', '300101250000Z', '20300101006000Z']) {
        const der = tlv(text.length === 13 ? Tag.UTC_TIME : Tag.GENERALIZED_TIME, Buffer.from(text));
        assert.throws(() => readTime(der, one(der)), /is not a real date/, text);
      }
      const leap = tlv(Tag.GENERALIZED_TIME, Buffer.from('20280229120000Z'));
      assert.equal(readTime(leap, one(leap)).toISOString(), '2028-02-29T12:00:00.000Z');
    });

    it('never writes an invalid date', () => {
      assert.throws(() => time(new Date(Number.NaN)), RangeError);
      assert.throws(() => time(new Date(Date.UTC(10_000, 0, 1))), RangeError);
    });

    it('RFC 3339: strict fields, offsets and fractions', () => {
      assert.equal(parseRfc3339('2030-13-01T00:00:00Z'), undefined);
      assert.equal(parseRfc3339('2030-02-31T00:00:00Z'), undefined);
      assert.equal(parseRfc3339('2030-01-01T24:00:00Z'), undefined);
      assert.equal(parseRfc3339('2030-01-01T00:00:00+24:00'), undefined);
      assert.equal(parseRfc3339('2030-01-01T01:30:00.5+01:30')?.toISOString(), '2030-01-01T00:00:00.500Z');
      assert.equal(parseRfc3339('0001-01-01T00:00:00Z')?.toISOString(), '0001-01-01T00:00:00.000Z');
    });

    it('durations: no Infinity, nothing past Go\'s longest', () => {
      assert.equal(parseDuration('99999999999999h'), undefined);
      assert.equal(parseDuration(`${'9'.repeat(400)}h`), undefined);
      assert.equal(parseDuration('2562047h'), 2562047 * 3_600_000);
      assert.ok(MAX_DURATION_MS > 2562047 * 3_600_000);
    });
  });

  describe('PEM', () => {
    it('reads blocks in one pass: unterminated BEGINs by the thousand are plain text', () => {
      const text = '-----BEGIN A-----'.repeat(15_000);
      assert.deepEqual(pemBlocks(text), []);
      const many = Array.from({ length: 5000 }, (_, i) => `-----BEGIN L${i}-----`).join('') + toPem(Buffer.from([1, 2, 3]), 'X');
      assert.throws(() => pemBlocks(many), /PEM block "L0" has no matching END line/);
    });

    it('writes base64 lines of 64 characters (the last shorter), as OpenSSL does, and reads them back', () => {
      for (let size = 0; size <= 200; size++) {
        const der = Buffer.alloc(size, size);
        const pem = toPem(der, 'X');
        const lines = pem.split('\n');
        assert.equal(lines[0], '-----BEGIN X-----');
        assert.deepEqual(lines.slice(-2), ['-----END X-----', '']);
        const body = lines.slice(1, -2);
        assert.ok(body.slice(0, -1).every((l) => l.length === 64) && (body.at(-1) ?? '').length <= 64, `size ${size}`);
        assert.equal(body.join(''), der.toString('base64'));
        if (size > 0) assert.deepEqual(pemBlocks(pem)[0].der, der);
      }
    });

    it('still reads text around blocks, and refuses an END of another label', () => {
      const pem = `junk\n${toPem(Buffer.from([5]), 'CERTIFICATE')}more\n${toPem(Buffer.from([6]), 'X509 CRL')}`;
      assert.deepEqual(pemBlocks(pem).map((b) => [b.label, [...b.der]]), [['CERTIFICATE', [5]], ['X509 CRL', [6]]]);
      assert.throws(() => pemBlocks('-----BEGIN A-----\nAQ==\n-----END B-----\n'), /no matching END/);
    });
  });

  describe('config durations', () => {
    const base = { root: 'r', crt: 'c', key: 'k', address: '127.0.0.1:9000', dnsNames: ['localhost'] };
    it('maxTokenLifetime is a positive duration', () => {
      assert.equal(validateConfig({ ...base, authority: { claims: { maxTokenLifetime: '5m' } } }).authority.claims?.maxTokenLifetime, '5m');
      assert.throws(() => validateConfig({ ...base, authority: { claims: { maxTokenLifetime: 'soon' } } }), /authority\.claims\.maxTokenLifetime: must be a positive duration/);
      assert.throws(() => validateConfig({ ...base, authority: { claims: { maxTLSCertDuration: '99999999999999h' } } }), /maxTLSCertDuration: must be a positive duration .* \(at most 2562047h\)/);
    });

    it('federation.refresh fits a timer', () => {
      assert.throws(() => validateConfig({ ...base, federation: { refresh: '600h' } }), /federation\.refresh: must be at most 596h31m24s/);
    });
  });
});
