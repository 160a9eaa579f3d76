import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { explicit, integer, nullValue, oid, sequence } from '../src/pki/der.js';
import { parseCsrPem, verifyCsr } from '../src/pki/csr.js';
import { OID } from '../src/pki/oids.js';
import { signatureAlgorithmName, signatureKeyType, verifySignature } from '../src/pki/signature.js';

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

  it('verifies RSASSA-PSS with the hash and salt length its parameters name, not without them', () => {
    const pss = sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    const params = (hash: string, salt: number): Buffer => sequence(explicit(0, sequence(oid(hash), nullValue())), explicit(2, integer(salt)));
    assert.equal(verifySignature(OID.rsassaPss, data, rsa.publicKey, pss, params(OID.sha256, 32)), true);
    assert.equal(verifySignature(OID.rsassaPss, data, rsa.publicKey, pss, params(OID.sha256, 20)), false, 'wrong salt length');
    assert.equal(verifySignature(OID.rsassaPss, data, rsa.publicKey, pss), false, 'no parameters means SHA-1, refused');
    assert.equal(verifySignature(OID.rsassaPss, data, rsa.publicKey, pss, params(OID.sha1, 32)), false, 'SHA-1 refused');
    assert.equal(verifySignature(OID.rsassaPss, data, ec.publicKey, pss, params(OID.sha256, 32)), false, 'not an RSA key');
  });

  it('accepts a CSR that openssl signed with RSASSA-PSS', async () => {
    const csrPem = execFileSync('openssl', [
      'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=pss.internal',
      '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32',
    ], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const csr = parseCsrPem(csrPem);
    assert.equal(csr.signatureAlgorithm, OID.rsassaPss);
    assert.equal((await verifyCsr(csr)).kty, 'RSA');
  });

  it('names signature algorithms as people do, an unknown one by its OID', () => {
    assert.equal(signatureAlgorithmName(OID.ecdsaWithSha384), 'ECDSA with SHA-384');
    assert.equal(signatureAlgorithmName(OID.sha256WithRsa), 'RSASSA-PKCS1-v1_5 with SHA-256');
    assert.equal(signatureAlgorithmName(OID.rsassaPss), 'RSASSA-PSS');
    assert.equal(signatureAlgorithmName(OID.ed25519), 'Ed25519');
    assert.equal(signatureAlgorithmName('1.2.840.10040.4.3'), '1.2.840.10040.4.3');
  });
});
