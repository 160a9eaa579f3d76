import 'reflect-metadata';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { classifySans, keyIdentifier } from '../src/pki/extensions.js';
import { createIssuer } from '../src/pki/issuer.js';
import { generateKey, spkiDer, type KeyType } from '../src/pki/keys.js';
import { OID } from '../src/pki/oids.js';
import { toPem } from '../src/pki/pem.js';
import { issueIntermediate, issueLeaf, issueRoot } from '../src/pki/issueCertificate.js';
import { openssl } from './helpers/exec.js';
import { tempDir } from './helpers/testCa.js';

const parse = (der: Buffer): x509.X509Certificate => new x509.X509Certificate(new Uint8Array(der));

function basic(cert: x509.X509Certificate): x509.BasicConstraintsExtension | null {
  return cert.getExtension(x509.BasicConstraintsExtension);
}
function usages(cert: x509.X509Certificate): x509.KeyUsagesExtension {
  const ext = cert.getExtension(x509.KeyUsagesExtension);
  assert.ok(ext, 'no keyUsage');
  return ext;
}
const skid = (cert: x509.X509Certificate): string | undefined => cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
const akid = (cert: x509.X509Certificate): string | undefined => cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;

const CA_USAGES = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

describe('pki/profiles: root, intermediate and leaf', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kty of ['EC', 'RSA', 'OKP'] as KeyType[]) {
    describe(`with ${kty} keys`, () => {
      const rootKey = generateKey({ kty });
      const root = issueRoot('Profile Co', rootKey);
      const intermediateKey = generateKey({ kty });
      const intermediate = issueIntermediate('Profile Co', intermediateKey, createIssuer(root, rootKey));
      const leafKey = generateKey({ kty: 'EC' });
      const now = Date.now();
      const leaf = issueLeaf(
        { commonName: 'svc.example.test', sans: classifySans(['svc.example.test', '10.0.0.1']), publicKey: spkiDer(leafKey), notBefore: new Date(now - 60_000), notAfter: new Date(now + 3600_000) },
        createIssuer(intermediate, intermediateKey),
      );

      it('openssl verifies the root, the intermediate under it and a leaf under that', async () => {
        const [rootFile, intermediateFile, leafFile] = ['root', 'intermediate', 'leaf'].map((n) => join(dir, `${kty}-${n}.pem`));
        writeFileSync(rootFile, toPem(root));
        writeFileSync(intermediateFile, toPem(intermediate));
        writeFileSync(leafFile, toPem(leaf));
        assert.match(await openssl(['verify', '-CAfile', rootFile, rootFile]), /: OK/);
        assert.match(await openssl(['verify', '-CAfile', rootFile, intermediateFile]), /: OK/);
        assert.match(await openssl(['verify', '-CAfile', rootFile, '-untrusted', intermediateFile, '-purpose', 'sslserver', leafFile]), /: OK/);
      });

      it('the root is a self-signed CA with pathlen 1, keyCertSign and cRLSign, both critical', async () => {
        const cert = parse(root);
        assert.equal(cert.subject, 'O=Profile Co, CN=Profile Co Root CA');
        assert.equal(cert.issuer, cert.subject);
        assert.ok(await cert.isSelfSigned());
        const bc = basic(cert);
        assert.deepEqual([bc?.ca, bc?.pathLength, bc?.critical], [true, 1, true]);
        assert.deepEqual([usages(cert).usages, usages(cert).critical], [CA_USAGES, true]);
        assert.equal(skid(cert), keyIdentifier(spkiDer(rootKey)).toString('hex'));
      });

      it('the intermediate is a CA with pathlen 0, keyCertSign and cRLSign, and names the root key', () => {
        const cert = parse(intermediate);
        assert.equal(cert.subject, 'O=Profile Co, CN=Profile Co Intermediate CA');
        assert.equal(cert.issuer, parse(root).subject);
        const bc = basic(cert);
        assert.deepEqual([bc?.ca, bc?.pathLength, bc?.critical], [true, 0, true]);
        assert.deepEqual([usages(cert).usages, usages(cert).critical], [CA_USAGES, true]);
        assert.equal(akid(cert), skid(parse(root)));
        assert.ok(cert.notAfter.getTime() <= parse(root).notAfter.getTime(), 'the intermediate outlives its root');
      });

      it('the leaf is no CA, signs digitally, serves and authenticates clients, and names its SANs', () => {
        const cert = parse(leaf);
        assert.equal(cert.subject, 'CN=svc.example.test');
        assert.notEqual(basic(cert)?.ca, true);
        assert.equal(usages(cert).usages, x509.KeyUsageFlags.digitalSignature);
        assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [OID.serverAuth, OID.clientAuth]);
        assert.equal(akid(cert), skid(parse(intermediate)));
        const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
        assert.deepEqual(names, [{ type: 'dns', value: 'svc.example.test' }, { type: 'ip', value: '10.0.0.1' }]);
      });
    });
  }

  it('backdates CA certificates a minute and gives roots ten years', () => {
    const now = new Date('2030-06-01T00:00:00Z');
    const cert = parse(issueRoot('Clock Co', generateKey({ kty: 'EC' }), 10, now));
    assert.equal(cert.notBefore.toISOString(), '2030-05-31T23:59:00.000Z');
    assert.equal(cert.notAfter.getUTCFullYear(), 2040);
  });

  it('a root valid past 2049 carries a GeneralizedTime that openssl reads', async () => {
    const der = issueRoot('Long Co', generateKey({ kty: 'EC' }), 30, new Date('2030-01-01T00:00:00Z'));
    assert.equal(parse(der).notAfter.getUTCFullYear(), 2060);
    const out = await openssl(['x509', '-inform', 'DER', '-noout', '-enddate'], der);
    assert.match(out, /notAfter=.* 2060 GMT/);
  });
});
