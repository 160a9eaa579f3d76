import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signCrl } from '../src/pki/crl.js';
import { classifySans } from '../src/pki/extensions.js';
import { createIssuer } from '../src/pki/issuer.js';
import { generateKey, privateKeyPem, spkiDer } from '../src/pki/keys.js';
import { OID } from '../src/pki/oids.js';
import { pemDers, toPem } from '../src/pki/pem.js';
import { parseCrl, type ParsedCrl } from '../src/pki/readCrl.js';
import { issueIntermediate, issueLeaf, issueRoot } from '../src/pki/issueCertificate.js';
import { assertOneLineError, fedca } from './helpers/cli.js';
import { startCliDaemon, type CliDaemon } from './helpers/cliDaemon.js';
import { issueCertificate, revokeCertificate } from './helpers/issued.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, type ProvisionerKey } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

/** The CRL a PEM file holds. */
const crlOf = (file: string): ParsedCrl => parseCrl(pemDers(readFileSync(file, 'utf8'), 'X509 CRL')[0]);

/** A CA impostor over TLS chaining to `rootPem`: it publishes its real intermediate but serves a CRL another CA signed. */
async function impostorCa(dir: string): Promise<{ url: string; rootFile: string; stop(): Promise<void> }> {
  const rootKey = generateKey({ kty: 'EC' });
  const root = issueRoot('Impostor', rootKey);
  const intermediateKey = generateKey({ kty: 'EC' });
  const intermediate = issueIntermediate('Impostor', intermediateKey, createIssuer(root, rootKey));
  const issuer = createIssuer(intermediate, intermediateKey);
  const tlsKey = generateKey({ kty: 'EC' });
  const now = Date.now();
  const tlsLeaf = issueLeaf({ commonName: 'localhost', sans: classifySans(['localhost']), publicKey: spkiDer(tlsKey), notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000), extKeyUsages: [OID.serverAuth] }, issuer);
  // The same names, other keys: only the signature tells this CRL apart.
  const [otherRootKey, otherKey] = [generateKey({ kty: 'EC' }), generateKey({ kty: 'EC' })];
  const other = createIssuer(issueIntermediate('Impostor', otherKey, createIssuer(issueRoot('Impostor', otherRootKey), otherRootKey)), otherKey);
  const foreignCrl = signCrl({ crlNumber: 1n, thisUpdate: new Date(now - 60_000), nextUpdate: new Date(now + 3_600_000), entries: [] }, other);
  const server: Server = createServer({ key: privateKeyPem(tlsKey), cert: toPem(tlsLeaf) + toPem(intermediate) }, (req, res) => {
    const path = (req.url ?? '').replace(/^\/1\.0/, '');
    if (path === '/intermediates') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ crts: [toPem(intermediate)] }));
    else if (path.startsWith('/crl/changes')) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ revision: '1' }));
    else if (path === '/crl') res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(foreignCrl);
    else res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 404, message: 'not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rootFile = join(dir, 'impostor-root.crt');
  writeFileSync(rootFile, toPem(root));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    rootFile,
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('fedca crl --watch', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let dir: string;
  const watchers: CliDaemon[] = [];
  const caFlags = (): string[] => ['--ca-url', ca.url, '--root', ca.rootFile];
  const watch = (args: readonly string[]): CliDaemon => {
    const w = startCliDaemon(['crl', '--watch', ...args]);
    watchers.push(w);
    return w;
  };
  const written = (w: CliDaemon, from = 0) => w.waitFor((r) => r.event === 'written', from, 15_000);

  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
    dir = tempDir('fedca-crl-watch-');
  });
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((w) => w.stop()));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ca.stop();
  });

  it('writes the CRL at start; a revocation reaches the file; --in-place keeps the inode and --exec runs after each change', async () => {
    const file = join(dir, 'in-place.crl.pem');
    writeFileSync(file, 'placeholder, bind-mounted\n');
    const inode = statSync(file).ino;
    const marker = join(dir, 'exec.log');
    const w = watch(['--pem', '--out', file, '--in-place', '--exec', `echo changed >> ${marker}`, ...caFlags()]);
    const first = await written(w);
    const before = crlOf(file).serials.length;
    assert.equal(first.entries, before);

    const issued = await issueCertificate(ca, p, 'watched-in-place');
    const from = w.records.length;
    await revokeCertificate(ca, p, issued.serial);
    const second = await written(w, from);
    assert.equal(second.entries, before + 1);
    assert.ok(crlOf(file).serials.includes(BigInt(issued.serial)), 'the revoked serial is in the file');
    assert.equal(statSync(file).ino, inode, 'same inode');
    await until(() => existsSync(marker) && readFileSync(marker, 'utf8') === 'changed\nchanged\n', '--exec to have run after each change');
    assert.equal(await w.stop(), 0);
    assert.equal(w.records.at(-1)?.event, 'stopping');
  });

  it('without --in-place the file is replaced by a rename (a new inode), DER unless --pem', async () => {
    const file = join(dir, 'atomic.crl');
    writeFileSync(file, 'old');
    const inode = statSync(file).ino;
    const w = watch(['--out', file, ...caFlags()]);
    await written(w);
    assert.notEqual(statSync(file).ino, inode);
    assert.equal(parseCrl(readFileSync(file)).crlNumber !== undefined, true);
  });

  it('a CRL signed by another CA is never written: exits 1 when it has no good CRL to keep', async () => {
    const impostor = await impostorCa(dir);
    try {
      const file = join(dir, 'foreign.crl.pem');
      const w = watch(['--pem', '--out', file, '--ca-url', impostor.url, '--root', impostor.rootFile]);
      assert.equal(await w.exited(), 1);
      assert.ok(!existsSync(file), 'nothing written');
      assert.match(w.stderr(), /^fedca: .*foreign\.crl\.pem holds no CRL and no good CRL can be had from the CA: the CRL is not signed by the CA's intermediate or root\n$/);
    } finally {
      await impostor.stop();
    }
  });

  it('the CA unreachable: retries while the file is far from lapsing, exits 1 once it lapses within --warn-before', async () => {
    const other = await startTestCa();
    const file = join(dir, 'lapsing.crl.pem');
    const rootFile = join(dir, 'lapsing-root.crt');
    writeFileSync(rootFile, other.rootPem);
    const far = watch(['--pem', '--out', file, '--warn-before', '1m', '--ca-url', other.url, '--root', rootFile]);
    await written(far);
    await other.stop();
    await far.waitFor((r) => r.event === 'fetch-failed', 0, 15_000);
    assert.equal(far.records.filter((r) => r.event === 'lapsing').length, 0);
    // The same file, a window longer than the CRL's remaining life: it gives up at once.
    const near = watch(['--pem', '--out', file, '--warn-before', '48h', '--ca-url', other.url, '--root', rootFile]);
    assert.equal(await near.exited(), 1);
    assert.match(near.stderr(), /lapses at \d{4}-\d\d-\d\dT.* and no good CRL can be had from the CA: cannot reach the CA/);
  });

  it('flags: --exec without --watch, --watch without --out, a bad --warn-before: one line on stderr', async () => {
    assertOneLineError(await fedca(['crl', '--pem', '--exec', 'true', ...caFlags()]), /--exec goes with --watch/);
    assertOneLineError(await fedca(['crl', '--watch', '--pem', ...caFlags()]), /--watch needs --out <file>/);
    assertOneLineError(await fedca(['crl', '--watch', '--out', join(dir, 'x'), '--warn-before', 'soon', ...caFlags()]), /--warn-before <duration>' argument 'soon' is invalid/);
  });
});
