import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import Database from 'better-sqlite3';
import { integer, readInteger, readRoot, unsignedInteger, Tag } from '../src/pki/der.js';
import { issueLeaf, issueRoot } from '../src/pki/issueCertificate.js';
import { createIssuer, newSerial, serialDecimal } from '../src/pki/issuer.js';
import { spkiDer } from '../src/pki/keys.js';

const RANDOM_BITS = 80;
const TIME_BYTES = 6;

describe('pki/issuer newSerial: a 48-bit millisecond time, then 80 bits of CSPRNG output', () => {
  it('gives 16-byte serials that start with the time given, all distinct within one millisecond across several refills of the pool', () => {
    const now = Date.UTC(2026, 10, 28, 15, 30);
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const serial = newSerial(now);
      assert.equal(serial.length, 16);
      assert.equal(serial.readUIntBE(0, TIME_BYTES), now);
      seen.add(serial.toString('hex'));
    }
    assert.equal(seen.size, 1_000);
  });

  it('draws every one of the last 80 bits: each is seen both set and clear over 1,000 serials of one millisecond', () => {
    const serials = Array.from({ length: 1_000 }, () => newSerial(0));
    for (let bit = 0; bit < RANDOM_BITS; bit++) {
      const byte = TIME_BYTES + Math.floor(bit / 8);
      const mask = 0x80 >> bit % 8;
      const set = serials.filter((s) => (s[byte] & mask) !== 0).length;
      assert.ok(set > 0 && set < serials.length, `random bit ${bit} was ${set === 0 ? 'never set' : 'always set'}`);
    }
  });

  it('serials a millisecond apart sort in time order as decimal TEXT, as the store keys them', () => {
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE issued (serial TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID');
      const insert = db.prepare('INSERT INTO issued (serial, at) VALUES (?, ?)');
      const start = Date.UTC(2026, 10, 28, 15, 30);
      // Inserted newest first, so that the order read back is the key's, not the insertion's.
      for (let at = start + 499; at >= start; at--) insert.run(serialDecimal(newSerial(at)), at);
      const times = (db.prepare('SELECT at FROM issued ORDER BY serial').all() as { at: number }[]).map((r) => r.at);
      assert.deepEqual(times, Array.from({ length: 500 }, (_, i) => start + i));
    } finally {
      db.close();
    }
  });

  it('has 37 decimal digits from 1996-03-19 to 2232-02-14, so text order is time order for decades; 38 after', () => {
    const times = [Date.UTC(1996, 2, 19), Date.UTC(2004, 10, 3, 20), Date.UTC(2026, 10, 28), Date.UTC(2039, 8, 7, 16), Date.UTC(2100, 0, 1), Date.UTC(2232, 1, 14)];
    const decimals = times.map((t) => serialDecimal(newSerial(t)));
    for (const d of decimals) assert.equal(d.length, 37, d);
    assert.deepEqual([...decimals].sort(), decimals);
    assert.equal(serialDecimal(newSerial(Date.UTC(2232, 1, 16))).length, 38);
  });

  it('a serial whose first byte is 0x00 (a clock before 2004-11-03) is a minimal, positive INTEGER in DER and in the certificate', () => {
    // 2^39 + 1 ms: first byte 0x00, second 0x80 — the zero must stay, as the sign byte.
    const signByteKept = newSerial(2 ** 39 + 1);
    assert.deepEqual([signByteKept[0], signByteKept[1]], [0x00, 0x80]);
    const der = unsignedInteger(signByteKept);
    assert.equal(der[0], Tag.INTEGER);
    assert.equal(der[1], 16);
    assert.deepEqual([der[2], der[3]], [0x00, 0x80]);
    assert.equal(readInteger(der, readRoot(der)), BigInt(`0x${signByteKept.toString('hex')}`));

    // 2^24 ms: bytes 00 00 01 00 00 00 …: both zeros dropped, 14 content octets, first 0x01.
    const zerosDropped = newSerial(2 ** 24);
    const trimmed = unsignedInteger(zerosDropped);
    assert.equal(trimmed[1], 14);
    assert.equal(trimmed[2], 0x01);

    const rootKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const issuer = createIssuer(issueRoot('Serial Test', rootKey), rootKey);
    const leafKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = new Date();
    const leafDer = issueLeaf({ commonName: 'leaf.internal', sans: { dns: ['leaf.internal'], ips: [], emails: [], uris: [] }, publicKey: spkiDer(leafKey.publicKey), notBefore: now, notAfter: new Date(now.getTime() + 3_600_000) }, issuer, signByteKept);
    assert.ok(leafDer.includes(der), 'the certificate carries the 16-octet INTEGER');
    // OpenSSL refuses an INTEGER with needless leading octets; its hex drops the sign byte.
    assert.equal(new X509Certificate(leafDer).serialNumber, signByteKept.subarray(1).toString('hex').toUpperCase());
  });

  it('a serial with its top bit set is a positive INTEGER in DER and in decimal', () => {
    const serial = Buffer.alloc(16, 0xff);
    const der = unsignedInteger(serial);
    assert.equal(readInteger(der, readRoot(der)), BigInt(`0x${'ff'.repeat(16)}`));
    assert.equal(serialDecimal(serial), BigInt(`0x${'ff'.repeat(16)}`).toString(10));
    assert.deepEqual(integer(1n), unsignedInteger(Buffer.from([1])));
  });
});
