import assert from 'node:assert/strict';
import { randomSerial, serialDecimal } from '../src/pki/issuer.js';
import { integer, readInteger, readRoot, unsignedInteger } from '../src/pki/der.js';

describe('pki/issuer randomSerial: 128-bit serials cut from a pool of CSPRNG output', () => {
  it('gives 16-byte serials, all distinct across several refills of the pool (256 serials a pool)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const serial = randomSerial();
      assert.equal(serial.length, 16);
      seen.add(serial.toString('hex'));
    }
    assert.equal(seen.size, 1_000);
  });

  it('a serial with its top bit set is a positive INTEGER in DER and in decimal', () => {
    const serial = Buffer.alloc(16, 0xff);
    const der = unsignedInteger(serial);
    assert.equal(readInteger(der, readRoot(der)), BigInt(`0x${'ff'.repeat(16)}`));
    assert.equal(serialDecimal(serial), BigInt(`0x${'ff'.repeat(16)}`).toString(10));
    assert.deepEqual(integer(1n), unsignedInteger(Buffer.from([1])));
  });
});
