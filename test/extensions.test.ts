import assert from 'node:assert/strict';
import { children, contents, readRoot } from '../src/pki/der.js';
import { basicConstraints, classifySans, extension, keyUsage } from '../src/pki/extensions.js';

/** The extnValue of an Extension element, in hex. */
const valueHex = (ext: Buffer): string => {
  const parts = children(ext, readRoot(ext));
  return contents(ext, parts[parts.length - 1]).toString('hex');
};
const isCritical = (ext: Buffer): boolean => children(ext, readRoot(ext)).length === 3;

describe('pki/extensions', () => {
  describe('classifySans', () => {
    it('sorts names into DNS, IP, email and URI, keeping their order', () => {
      const sans = classifySans(['svc.example.test', '127.0.0.1', 'ops@example.test', '::1', 'spiffe://example.test/ns/svc', '*.wild.example.test', 'https://example.test/x', '2001:db8::1', 'localhost']);
      assert.deepEqual(sans, {
        dns: ['svc.example.test', '*.wild.example.test', 'localhost'],
        ips: ['127.0.0.1', '::1', '2001:db8::1'],
        emails: ['ops@example.test'],
        uris: ['spiffe://example.test/ns/svc', 'https://example.test/x'],
      });
    });

    it('gives empty lists for no names', () => {
      assert.deepEqual(classifySans([]), { dns: [], ips: [], emails: [], uris: [] });
    });
  });

  describe('keyUsage and basicConstraints', () => {
    it('encodes key usage bits as a minimal named-bit BIT STRING, critical', () => {
      assert.equal(valueHex(keyUsage(['digitalSignature'])), '03020780');
      assert.equal(valueHex(keyUsage(['digitalSignature', 'keyEncipherment'])), '030205a0');
      assert.equal(valueHex(keyUsage(['keyCertSign', 'cRLSign'])), '03020106');
      assert.ok(isCritical(keyUsage(['digitalSignature'])));
    });

    it('encodes basicConstraints for a CA with and without pathLen, and for an end entity, critical', () => {
      assert.equal(valueHex(basicConstraints(true, 0)), '30060101ff020100');
      assert.equal(valueHex(basicConstraints(true, 1)), '30060101ff020101');
      assert.equal(valueHex(basicConstraints(true)), '30030101ff');
      assert.equal(valueHex(basicConstraints(false)), '3000');
      assert.ok(isCritical(basicConstraints(true, 0)));
    });

    it('omits the critical flag when false (DER default)', () => {
      assert.equal(isCritical(extension('2.5.29.37', Buffer.from([0x30, 0]))), false);
      assert.equal(isCritical(extension('2.5.29.37', Buffer.from([0x30, 0]), true)), true);
    });
  });
});
