import assert from 'node:assert/strict';
import { signCrl } from '../src/pki/crl.js';
import { integer, sequence, time, tlv } from '../src/pki/der.js';
import { DerError } from '../src/pki/errors.js';
import { createIssuer } from '../src/pki/issuer.js';
import { generateKey, type KeyType } from '../src/pki/keys.js';
import { issueIntermediate, issueRoot } from '../src/pki/issueCertificate.js';
import { crlSignedBy, parseCrl } from '../src/pki/readCrl.js';

describe('pki/readCrl: reading a CRL back and checking who signed it', () => {
  for (const kty of ['EC', 'RSA', 'OKP'] as KeyType[]) {
    it(`${kty}: reads number, times and serials; the issuer verifies, another CA of the same name does not`, () => {
      const pki = () => {
        const rootKey = generateKey({ kty });
        const root = issueRoot('Crl Co', rootKey);
        const key = generateKey({ kty });
        const der = issueIntermediate('Crl Co', key, createIssuer(root, rootKey));
        return createIssuer(der, key);
      };
      const issuer = pki();
      const impostor = pki();
      const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
      const nextUpdate = new Date(thisUpdate.getTime() + 3_600_000);
      const entries = [1n, 2n ** 100n, 77n].map((serial, i) => ({ serial, revokedAt: new Date(thisUpdate.getTime() - i * 60_000), reasonCode: [4, 0, 1][i] }));
      const crl = parseCrl(signCrl({ crlNumber: 42n, thisUpdate, nextUpdate, entries }, issuer));
      assert.equal(crl.crlNumber, 42n);
      assert.deepEqual([crl.thisUpdate, crl.nextUpdate], [thisUpdate, nextUpdate]);
      assert.deepEqual(crl.serials, [1n, 2n ** 100n, 77n]);
      assert.deepEqual(crl.entries, entries, 'each entry with its revocation date and reason (0 when it names none)');
      assert.ok(crlSignedBy(crl, issuer.certificate.der));
      assert.ok(!crlSignedBy(crl, impostor.certificate.der), 'same name, other key');
      const tampered = parseCrl(signCrl({ crlNumber: 42n, thisUpdate, nextUpdate, entries: [] }, issuer));
      assert.ok(!crlSignedBy({ ...tampered, serials: [], tbs: crl.tbs }, issuer.certificate.der), 'signature over another TBS');
    });
  }

  it('an empty CRL has no entries; malformed bytes throw', () => {
    const rootKey = generateKey({ kty: 'EC' });
    const issuer = createIssuer(issueRoot('Crl Co', rootKey), rootKey);
    const der = signCrl({ crlNumber: 1n, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 60_000), entries: [] }, issuer);
    assert.deepEqual(parseCrl(der).serials, []);
    assert.throws(() => parseCrl(der.subarray(0, der.length - 3)));
    assert.throws(() => parseCrl(Buffer.from('not a crl')));
  });

  it('an entry whose extension list holds an empty extension throws DerError, nothing else', () => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const alg = sequence();
    const entry = sequence(integer(5), time(now), sequence(sequence()));
    const tbs = sequence(integer(1), alg, sequence(), time(now), time(now), sequence(entry));
    const der = sequence(tbs, alg, tlv(0x03, Buffer.from([0])));
    assert.throws(() => parseCrl(der), DerError);
  });
});
