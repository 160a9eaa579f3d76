import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { OID } from '../src/pki/oids.js';
import { signatureKeyType, verifySignature } from '../src/pki/signature.js';

describe('signature verification (pki/signature)', () => {
  const data = Buffer.from('tbs bytes');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  it('verifies a signature under the algorithm it was made with', () => {
    assert.equal(verifySignature(OID.sha256WithRsa, data, rsa.publicKey, sign('sha256', data, rsa.privateKey)), true);
    assert.equal(verifySignature(OID.ecdsaWithSha256, data, ec.publicKey, sign('sha256', data, ec.privateKey)), true);
  });

  it('refuses a key of another type than the algorithm names, even when the bytes would verify', () => {
    const rsaSignature = sign('sha256', data, rsa.privateKey);
    assert.equal(verifySignature(OID.ecdsaWithSha256, data, rsa.publicKey, rsaSignature), false);
    assert.equal(verifySignature(OID.sha256WithRsa, data, ec.publicKey, sign('sha256', data, ec.privateKey)), false);
  });

  it('names the key type each algorithm needs, RSASSA-PSS as RSA, unknown ones as undefined', () => {
    assert.equal(signatureKeyType(OID.ecdsaWithSha384), 'EC');
    assert.equal(signatureKeyType(OID.rsassaPss), 'RSA');
    assert.equal(signatureKeyType(OID.ed25519), 'OKP');
    assert.equal(signatureKeyType('1.2.840.10040.4.3'), undefined, 'DSA with SHA-1');
  });
});
