import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pkcs10CertificateRequest, SubjectAlternativeNameExtension } from '@peculiar/x509';
import { OID } from '../src/pki/oids.js';
import { createCsr } from '../src/pki/csrBuilder.js';
import { generateKey, type KeySpec } from '../src/pki/keys.js';
import { toPem } from '../src/pki/pem.js';
import { tempDir } from './helpers/testCa.js';

const run = promisify(execFile);

function sanOf(der: Buffer): SubjectAlternativeNameExtension {
  const ext = new Pkcs10CertificateRequest(new Uint8Array(der)).getExtension(OID.subjectAltName);
  assert.ok(ext instanceof SubjectAlternativeNameExtension);
  return ext;
}

describe('createCsr (PKCS#10)', () => {
  let dir: string;
  before(() => {
    dir = tempDir('fedca-csr-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const opensslVerifies = async (der: Buffer, name: string): Promise<string> => {
    const file = join(dir, `${name}.csr`);
    writeFileSync(file, toPem(der, 'CERTIFICATE REQUEST'));
    const { stdout, stderr } = await run('openssl', ['req', '-verify', '-noout', '-text', '-in', file]);
    assert.match(stdout + stderr, /verify OK/);
    return stdout;
  };

  const specs: [string, KeySpec, RegExp][] = [
    ['EC P-256', { kty: 'EC', curve: 'P-256' }, /ecdsa-with-SHA256/],
    ['EC P-384', { kty: 'EC', curve: 'P-384' }, /ecdsa-with-SHA384/],
    ['RSA 2048', { kty: 'RSA', size: 2048 }, /sha256WithRSAEncryption/],
    ['Ed25519', { kty: 'OKP' }, /ED25519/],
  ];
  for (const [label, spec, signatureAlgorithm] of specs) {
    it(`openssl req -verify accepts a CSR signed by an ${label} key`, async () => {
      const text = await opensslVerifies(createCsr(generateKey(spec), 'svc.example', ['svc.example']), label.replace(/\W/g, ''));
      assert.match(text, /Subject: CN ?= ?svc\.example/);
      assert.match(text, signatureAlgorithm);
      assert.match(text, /DNS:svc\.example/);
    });
  }

  it('classifies SANs into DNS, IP, email and URI in the extensionRequest', async () => {
    const der = createCsr(generateKey({ kty: 'EC' }), 'svc', ['svc.example', '10.0.0.1', '::1', 'ops@example.com', 'spiffe://example/svc']);
    const text = await opensslVerifies(der, 'kinds');
    assert.match(text, /DNS:svc\.example/);
    assert.match(text, /IP Address:10\.0\.0\.1/);
    assert.match(text, /IP Address:0:0:0:0:0:0:0:1/);
    assert.match(text, /email:ops@example\.com/);
    assert.match(text, /URI:spiffe:\/\/example\/svc/);
    const san = sanOf(der);
    assert.equal(san.critical, false);
    assert.deepEqual(
      san.names.items.map((n) => `${n.type}:${n.value}`),
      ['dns:svc.example', 'ip:10.0.0.1', 'ip:::1', 'email:ops@example.com', 'url:spiffe://example/svc'],
    );
  });

  it('an empty common name gives an empty subject and a critical SAN extension', async () => {
    const der = createCsr(generateKey({ kty: 'EC' }), '', ['only.example']);
    await opensslVerifies(der, 'nocn');
    const csr = new Pkcs10CertificateRequest(new Uint8Array(der));
    assert.equal(csr.subject, '');
    assert.equal(sanOf(der).critical, true);
  });

  it('no SANs: no extensionRequest attribute, still a valid CSR', async () => {
    const der = createCsr(generateKey({ kty: 'EC' }), 'plain', []);
    await opensslVerifies(der, 'nosan');
    assert.equal(new Pkcs10CertificateRequest(new Uint8Array(der)).attributes.length, 0);
  });

  it('refuses a CSR with neither a common name nor SANs', () => {
    assert.throws(() => createCsr(generateKey({ kty: 'EC' }), '', []), /common name or at least one SAN/);
  });
});
