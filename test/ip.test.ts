import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { classifySans } from '../src/pki/extensions.js';
import { formatIp, ipBytes } from '../src/pki/ip.js';
import { createIssuer } from '../src/pki/issuer.js';
import { generateKey, spkiDer } from '../src/pki/keys.js';
import { issueLeaf, issueRoot } from '../src/pki/issueCertificate.js';

describe('pki/ip', () => {
  describe('ipBytes', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', '7f000001'],
      ['10.20.30.40', '0a141e28'],
      ['::1', '00000000000000000000000000000001'],
      ['::', '00000000000000000000000000000000'],
      ['2001:db8::1', '20010db8000000000000000000000001'],
      ['2001:db8:0:0:0:0:0:1', '20010db8000000000000000000000001'],
      ['fe80::1:2', 'fe800000000000000000000000010002'],
      ['2001:db8::', '20010db8000000000000000000000000'],
      ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
      ['::ffff:192.168.1.1', '00000000000000000000ffffc0a80101'],
    ];
    for (const [ip, bytes] of cases) {
      it(`${ip} → ${bytes}`, () => {
        assert.equal(ipBytes(ip).toString('hex'), bytes);
      });
    }

    it('what it encodes reads back the same in a certificate', () => {
      const key = generateKey({ kty: 'EC' });
      const issuer = createIssuer(issueRoot('IP test', key), key);
      const ips = ['127.0.0.1', '::1', '2001:db8::1', '::ffff:1.2.3.4'];
      const der = issueLeaf({ commonName: 'ips', sans: classifySans(ips), publicKey: spkiDer(key), notBefore: new Date(), notAfter: new Date(Date.now() + 3600_000) }, issuer);
      assert.deepEqual(new X509Certificate(der).subjectAltName?.split(', '), [
        'IP Address:127.0.0.1',
        'IP Address:0:0:0:0:0:0:0:1',
        'IP Address:2001:DB8:0:0:0:0:0:1',
        'IP Address:0:0:0:0:0:FFFF:102:304',
      ]);
    });
  });

  it('formatIp reads back what ipBytes wrote, in canonical form', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', '127.0.0.1'],
      ['::1', '::1'],
      ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
      ['fe80::1:2', 'fe80::1:2'],
    ];
    for (const [ip, canonical] of cases) assert.equal(formatIp(ipBytes(ip)), canonical, ip);
  });

  it('refuses what is not an IP address', () => {
    assert.throws(() => ipBytes('example.test'), /not an IP address/);
  });
});
