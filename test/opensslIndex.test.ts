import assert from 'node:assert/strict';
import { parseOpensslIndex } from '../src/home/opensslIndex.js';
import { IndexError } from '../src/home/errors.js';

describe("authority/opensslIndex: easy-rsa's index.txt", () => {
  it('reads valid, revoked (with and without a reason) and expired lines', () => {
    const entries = parseOpensslIndex(
      [
        'V\t290224174427Z\t\tA1D4E170948879E81DC18DDD39419778\tunknown\t/CN=server',
        'R\t290224174428Z\t261122174428Z,keyCompromise\t0ecf23fc64dd7596fd41c67a0e8b04d0\tunknown\t/CN=bob',
        'R\t20510101000000Z\t250101120000Z\t0F\tunknown\t/CN=carol',
        'R\t290224174428Z\t261122174428Z,keyTime,20261101000000Z\t10\tunknown\t/CN=dave',
        'E\t200101000000Z\t\t11\tunknown\t/CN=old',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      entries.map((e) => [e.status, e.serialHex, e.subject, e.expiresAt.toISOString(), e.revocation?.reasonCode, e.revocation?.revokedAt.toISOString()]),
      [
        ['V', 'A1D4E170948879E81DC18DDD39419778', '/CN=server', '2029-02-24T17:44:27.000Z', undefined, undefined],
        ['R', '0ECF23FC64DD7596FD41C67A0E8B04D0', '/CN=bob', '2029-02-24T17:44:28.000Z', 1, '2026-11-22T17:44:28.000Z'],
        ['R', '0F', '/CN=carol', '2051-01-01T00:00:00.000Z', 0, '2025-01-01T12:00:00.000Z'],
        ['R', '10', '/CN=dave', '2029-02-24T17:44:28.000Z', 1, '2026-11-22T17:44:28.000Z'],
        ['E', '11', '/CN=old', '2020-01-01T00:00:00.000Z', undefined, undefined],
      ],
    );
  });

  it('names the line of anything else', () => {
    const bad: [string, RegExp][] = [
      ['V\t290224174427Z\t\t01\tunknown', /line 1: expected 6 tab-separated fields, found 5/],
      ['X\t290224174427Z\t\t01\tunknown\t/CN=a', /line 1: unknown status "X"/],
      ['V\t2902241744Z\t\t01\tunknown\t/CN=a', /line 1: expiry "2902241744Z" is not a time/],
      ['V\t290224174427Z\t\tXYZ\tunknown\t/CN=a', /line 1: serial "XYZ" is not hexadecimal/],
      ['\nR\t290224174427Z\t261122174428Z,lostIt\t01\tunknown\t/CN=a', /line 2: unknown revocation reason "lostIt"/],
      ['V\t290224174427Z\t\t01\tunknown\t/CN=a\nV\t290224174427Z\t\t1\tunknown\t/CN=b', /line 2: serial 1 is listed twice/],
    ];
    for (const [text, message] of bad) assert.throws(() => parseOpensslIndex(text), (err: Error) => err instanceof IndexError && message.test(err.message));
  });
});
