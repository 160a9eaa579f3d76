import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { CURVES, curveNamed, curveOfNode, curveOfOid } from '../src/pki/curves.js';
import { defaultJwsAlgorithm, JWS_ALGORITHMS, jwsAlgorithmOfKey } from '../src/pki/jwsAlgorithms.js';
import { createSigner, generateKey, keySpecOf, keyTypeOf, spkiDer } from '../src/pki/keys.js';
import { importVerifyingKey, readSpki } from '../src/pki/spki.js';
import { publicKeyInfo } from '../src/pki/csr.js';
import { CsrError } from '../src/pki/errors.js';
import { signatureAlgorithmName, verifySignature } from '../src/pki/signature.js';
import { children, readOid, readRoot } from '../src/pki/der.js';
import { decodeJws, verifyJws } from '../src/provisioners/jws.js';

describe('pki/curves and pki/jwsAlgorithms: one table of curves, every name of a curve agreeing', () => {
  for (const curve of CURVES) {
    it(`${curve.name}: generated, read back from its SPKI, signed and verified under each of its names`, () => {
      const key = generateKey({ kty: 'EC', curve: curve.name });
      assert.equal(key.asymmetricKeyDetails?.namedCurve, curve.nodeName);
      assert.deepEqual(keySpecOf(key), { kty: 'EC', curve: curve.name });
      assert.equal(keyTypeOf(key), 'EC');
      const spki = readSpki(spkiDer(key));
      assert.equal(spki.curve, curve.name);
      assert.equal(curveOfOid(readOid(spkiDer(key), children(spkiDer(key), children(spkiDer(key), readRoot(spkiDer(key)))[0])[1])), curve);
      assert.equal(curveNamed(curve.name), curve);
      assert.equal(curveOfNode(curve.nodeName), curve);
      // X.509: the signer picks the digest matched to the curve.
      const signer = createSigner(key);
      const data = Buffer.from('tbs');
      const algorithm = readOid(signer.algorithm, children(signer.algorithm, readRoot(signer.algorithm))[0]);
      assert.equal(algorithm, curve.signatureOid);
      assert.equal(signatureAlgorithmName(algorithm), `ECDSA with ${curve.hash.toUpperCase().replace('SHA', 'SHA-')}`);
      assert.ok(verifySignature(algorithm, data, key, signer.sign(data)));
      // JOSE: the token algorithm of the curve, verified by the provisioners' verifier.
      assert.equal(jwsAlgorithmOfKey(key), curve.jwsAlg);
      assert.equal(defaultJwsAlgorithm('EC', curve.name), curve.jwsAlg);
      assert.equal(JWS_ALGORITHMS[curve.jwsAlg].curve, curve);
      const input = `${Buffer.from(JSON.stringify({ alg: curve.jwsAlg })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}`;
      const signature = sign(curve.hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
      assert.ok(verifyJws(decodeJws(`${input}.${signature.toString('base64url')}`), key));
    });

    it(`${curve.name}: a CSR's key imported for verifying (WebCrypto's raw import) verifies, and a point off the curve is refused`, async () => {
      const key = generateKey({ kty: 'EC', curve: curve.name });
      const spki = spkiDer(key);
      const imported = await importVerifyingKey(spki);
      assert.equal(imported.asymmetricKeyDetails?.namedCurve, curve.nodeName);
      const data = Buffer.from('certificationRequestInfo');
      const signature = sign(curve.hash, data, key);
      assert.ok(verifySignature(curve.signatureOid, data, imported, signature));
      assert.equal(verifySignature(curve.signatureOid, Buffer.from('something else'), imported, signature), false);
      assert.equal((await publicKeyInfo(spki)).description, `EC ${curve.name}`);
      // y + 1 is (all but never) off the curve; the last byte of the SPKI is y's last.
      const offCurve = Buffer.from(spki);
      offCurve[offCurve.length - 1] ^= 1;
      await assert.rejects(publicKeyInfo(offCurve), (err: Error) => err instanceof CsrError && err.message === `CSR public key (EC ${curve.name}) cannot be read`);
    });
  }

  it('RSA and Ed25519 keys sign tokens with RS256 and EdDSA; other keys and curves with none', () => {
    assert.equal(jwsAlgorithmOfKey(generateKey({ kty: 'RSA' })), 'RS256');
    assert.equal(jwsAlgorithmOfKey(generateKey({ kty: 'OKP' })), 'EdDSA');
    assert.equal(defaultJwsAlgorithm('OKP', 'X25519'), undefined);
    assert.equal(defaultJwsAlgorithm('EC', 'secp256k1'), undefined);
    assert.equal(curveNamed('p-256'), undefined, 'JOSE curve names are case-sensitive');
  });
});
