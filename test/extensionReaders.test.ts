import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseCertificate, readExtension } from '../src/pki/certificate.js';
import { readRoot } from '../src/pki/der.js';
import {
  readAuthorityKeyIdentifier,
  readBasicConstraints,
  readCrlDistributionPoints,
  readExtKeyUsage,
  readGeneralNames,
  readKeyUsage,
  readOcspUrls,
  readSubjectKeyIdentifier,
} from '../src/pki/extensionReaders.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  classifySans,
  crlDistributionPoint,
  extKeyUsage,
  keyUsage,
  ocspAccess,
  subjectAltName,
  subjectKeyIdentifier,
} from '../src/pki/extensions.js';
import { OID } from '../src/pki/oids.js';

/** The extnValue of an encoded Extension, as the readers take it. */
const valueOf = (ext: Buffer): Buffer => readExtension(ext, readRoot(ext)).value;

describe('pki/extensionReaders: each reader reads what its encoder wrote', () => {
  it('keyUsage, whatever bits are set', () => {
    assert.deepEqual(readKeyUsage(valueOf(keyUsage(['digitalSignature']))), ['digitalSignature']);
    assert.deepEqual(readKeyUsage(valueOf(keyUsage(['digitalSignature', 'keyEncipherment']))), ['digitalSignature', 'keyEncipherment']);
    assert.deepEqual(readKeyUsage(valueOf(keyUsage(['keyCertSign', 'cRLSign']))), ['keyCertSign', 'cRLSign']);
  });

  it('basicConstraints: a leaf, a CA, a CA with a path length', () => {
    assert.deepEqual(readBasicConstraints(valueOf(basicConstraints(false))), { ca: false });
    assert.deepEqual(readBasicConstraints(valueOf(basicConstraints(true))), { ca: true });
    assert.deepEqual(readBasicConstraints(valueOf(basicConstraints(true, 0))), { ca: true, pathLength: 0 });
  });

  it('subjectAltName, in the order written, each kind named', () => {
    const names = readGeneralNames(valueOf(subjectAltName(classifySans(['svc.example', '10.0.0.1', '::1', 'ops@example.test', 'spiffe://example.test/svc']))));
    assert.deepEqual(names, [
      { type: 'dns', value: 'svc.example' },
      { type: 'ip', value: '10.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'email', value: 'ops@example.test' },
      { type: 'url', value: 'spiffe://example.test/svc' },
    ]);
  });

  it('extKeyUsage, key identifiers, CRL and OCSP locations', () => {
    assert.deepEqual(readExtKeyUsage(valueOf(extKeyUsage([OID.serverAuth, OID.clientAuth]))), [OID.serverAuth, OID.clientAuth]);
    const keyId = Buffer.from('00112233445566778899aabbccddeeff00112233', 'hex');
    assert.deepEqual(readSubjectKeyIdentifier(valueOf(subjectKeyIdentifier(keyId))), keyId);
    assert.deepEqual(readAuthorityKeyIdentifier(valueOf(authorityKeyIdentifier(keyId))), keyId);
    assert.deepEqual(readCrlDistributionPoints(valueOf(crlDistributionPoint('https://ca.example:9000/crl'))), ['https://ca.example:9000/crl']);
    assert.deepEqual(readOcspUrls(valueOf(ocspAccess('https://ca.example:9000/ocsp'))), ['https://ca.example:9000/ocsp']);
  });

  it('reads an extension OpenSSL wrote (not only fedca\'s own encoding)', () => {
    const pem = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=x', '-addext', 'keyUsage=critical,digitalSignature,keyAgreement,cRLSign', '-addext', 'subjectAltName=DNS:a.example,IP:192.0.2.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const cert = parseCertificate(der);
    const ku = cert.extensions.find((e) => e.id === OID.keyUsage);
    const san = cert.extensions.find((e) => e.id === OID.subjectAltName);
    assert.ok(ku && san);
    assert.deepEqual(readKeyUsage(ku.value), ['digitalSignature', 'keyAgreement', 'cRLSign']);
    assert.deepEqual(readGeneralNames(san.value), [
      { type: 'dns', value: 'a.example' },
      { type: 'ip', value: '192.0.2.1' },
    ]);
  });
});
