import assert from 'node:assert/strict';
import { acmImportProblem, type AcmImport } from '../src/pki/acmImport.js';
import { classifySans } from '../src/pki/extensions.js';
import { createIssuer } from '../src/pki/issuer.js';
import { generateKey, privateKeyPem, spkiDer, type KeySpec } from '../src/pki/keys.js';
import { toPem } from '../src/pki/pem.js';
import { issueIntermediate, issueLeaf, issueRoot } from '../src/pki/issueCertificate.js';

describe('pki/acmImport: the prerequisites of aws acm import-certificate', () => {
  const rootKey = generateKey({ kty: 'RSA' });
  const root = issueRoot('Acm Co', rootKey);
  const intermediateKey = generateKey({ kty: 'RSA' });
  const intermediate = issueIntermediate('Acm Co', intermediateKey, createIssuer(root, rootKey));
  const issuer = createIssuer(intermediate, intermediateKey);
  const now = Date.now();

  function leaf(spec: KeySpec = { kty: 'RSA', size: 2048 }, notBefore = new Date(now - 60_000), notAfter = new Date(now + 3_600_000)) {
    const key = generateKey(spec);
    const der = issueLeaf({ commonName: 'vpn.example.com', sans: classifySans(['vpn.example.com']), publicKey: spkiDer(key), notBefore, notAfter }, issuer);
    return { key, der };
  }
  const good = leaf();
  const files: AcmImport = { certificate: toPem(good.der), privateKey: privateKeyPem(good.key), chain: toPem(intermediate) + toPem(root) };

  it('accepts a leaf, its unencrypted key and the chain intermediate-then-root', () => {
    assert.equal(acmImportProblem(files), undefined);
  });

  const cases: [string, () => AcmImport, RegExp][] = [
    ['a DER certificate', () => ({ ...files, certificate: good.der.toString('latin1') }), /^certificate is one PEM certificate: /],
    ['two certificates in certificate.pem', () => ({ ...files, certificate: toPem(good.der) + toPem(intermediate) }), /^certificate is one PEM certificate: /],
    ['a certificate not yet valid', () => { const l = leaf(undefined, new Date(now + 3_600_000), new Date(now + 7_200_000)); return { ...files, certificate: toPem(l.der), privateKey: privateKeyPem(l.key) }; }, /^certificate is valid at import: the certificate is not valid before /],
    ['an expired certificate', () => { const l = leaf(undefined, new Date(now - 7_200_000), new Date(now - 3_600_000)); return { ...files, certificate: toPem(l.der), privateKey: privateKeyPem(l.key) }; }, /^certificate is valid at import: the certificate expired at /],
    ['an encrypted key', () => ({ ...files, privateKey: privateKeyPem(good.key, 'secret') }), /^private key is unencrypted PEM: /],
    ['a key file over 5 KB', () => ({ ...files, privateKey: privateKeyPem(good.key) + '#'.repeat(5_200) }), /^private key is at most 5 KB: the private key is \d+ bytes; ACM takes at most 5120$/],
    ['an Ed25519 key', () => { const l = leaf({ kty: 'OKP' }); return { ...files, certificate: toPem(l.der), privateKey: privateKeyPem(l.key) }; }, /^key algorithm ACM imports: ACM does not import ed25519 keys$/],
    ['another certificate\'s key', () => ({ ...files, privateKey: privateKeyPem(leaf().key) }), /^private key matches the certificate: /],
    ['an empty chain', () => ({ ...files, chain: '' }), /^chain is PEM certificates: /],
    ['a chain holding the certificate', () => ({ ...files, chain: toPem(good.der) + toPem(intermediate) + toPem(root) }), /^chain does not include the certificate: /],
    ['a chain root-then-intermediate', () => ({ ...files, chain: toPem(root) + toPem(intermediate) }), /^each chain certificate certifies the one before: chain certificate 1 .* did not issue the certificate$/],
  ];
  for (const [what, make, expected] of cases) {
    it(`names the rule that fails: ${what}`, () => {
      assert.match(acmImportProblem(make()) ?? 'accepted', expected);
    });
  }
});
