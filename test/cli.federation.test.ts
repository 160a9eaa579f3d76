import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initHome } from '../src/home/initHome.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { fingerprint } from '../src/pki/issuer.js';
import { pemDers } from '../src/pki/pem.js';
import { assertOneLine, fedca as runFedca } from './helpers/cli.js';
import type { ExecResult } from './helpers/exec.js';
import { https } from './helpers/https.js';
import { miniPki } from './helpers/miniPki.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

/** A CA home (not started) named `name` in `dir/<name>`; resolves its root PEM. */
async function makeHome(dir: string, name: string): Promise<{ home: string; rootPem: string; rootFingerprint: string }> {
  const home = join(dir, name);
  const init = await initHome({ home, name, dnsNames: ['localhost'], address: '127.0.0.1:0', provisioner: 'admin', password: 'pw', kty: 'EC', force: false });
  return { home, rootPem: readFileSync(init.rootFile, 'utf8'), rootFingerprint: init.rootFingerprint };
}

/** A failed run: non-zero exit, one "fedca: ..." line on stderr matching `message`. */
function assertOneLineError(run: ExecResult, message: RegExp): void {
  assert.notEqual(run.status, 0, `expected failure, got: ${run.stdout}`);
  assertOneLine(run.stderr);
  assert.match(run.stderr, /^fedca: /);
  assert.match(run.stderr, message);
}

const configOf = (home: string): { federatedRoots: string[] } => JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')) as { federatedRoots: string[] };

describe('fedca federation: add, list, and save a CA\'s bundle', () => {
  let dir: string;
  const fedca = (args: readonly string[]): Promise<ExecResult> => runFedca(args, { FEDCA_CLIENT_HOME: join(dir, 'client-home') });
  beforeEach(() => {
    dir = tempDir('fedca-cli-federation-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [verb, options] of [
    ['federation', ['out-file', '--ca-url', '--root', '--fingerprint', '--force']],
    ['federation add', ['--home', '--root']],
    ['federation list', ['--home']],
  ] as const) {
    it(`fedca ${verb} --help describes every argument and option`, async () => {
      const run = await fedca([...verb.split(' '), '--help']);
      assert.equal(run.status, 0);
      for (const name of options) assert.match(run.stdout, new RegExp(`^\\s+${name}( <[^>]+>)?\\s{2,}\\S`, 'm'), `${name} in:\n${run.stdout}`);
    });
  }

  describe('add', () => {
    it("copies the other CA's root into pki/federated/ and lists it in federatedRoots", async () => {
      const cloud = await makeHome(dir, 'Cloud');
      const kubernetes = await makeHome(dir, 'Kubernetes');
      const run = await fedca(['federation', 'add', '--home', cloud.home, '--root', join(kubernetes.home, 'pki/root_ca.crt')]);
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`Added O=Kubernetes, CN=Kubernetes Root CA \\(sha256 ${kubernetes.rootFingerprint}\\) as pki/federated/kubernetes_root_ca\\.crt`));
      assert.match(run.stdout, /SIGHUP/);
      assert.deepEqual(configOf(cloud.home).federatedRoots, ['pki/federated/kubernetes_root_ca.crt']);
      assert.equal(readFileSync(join(cloud.home, 'pki/federated/kubernetes_root_ca.crt'), 'utf8'), kubernetes.rootPem);
    });

    it('adding the same root again changes nothing; a bundle adds only its new roots', async () => {
      const cloud = await makeHome(dir, 'Cloud');
      const kubernetes = await makeHome(dir, 'Kubernetes');
      const edge = miniPki('Edge');
      const kubeRoot = join(kubernetes.home, 'pki/root_ca.crt');
      assert.equal((await fedca(['federation', 'add', '--home', cloud.home, '--root', kubeRoot])).status, 0);
      const again = await fedca(['federation', 'add', '--home', cloud.home, '--root', kubeRoot]);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /^Already federated: O=Kubernetes, CN=Kubernetes Root CA/);
      assert.equal(configOf(cloud.home).federatedRoots.length, 1);

      const bundle = join(dir, 'bundle.pem');
      writeFileSync(bundle, kubernetes.rootPem + edge.rootPem + cloud.rootPem);
      const run = await fedca(['federation', 'add', '--home', cloud.home, '--root', bundle]);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(configOf(cloud.home).federatedRoots, ['pki/federated/kubernetes_root_ca.crt', 'pki/federated/edge_root_ca.crt']);
      assert.equal(readFileSync(join(cloud.home, 'pki/federated/edge_root_ca.crt'), 'utf8'), edge.rootPem);
      assert.match(run.stdout, /Already federated: O=Cloud, CN=Cloud Root CA \(sha256 \w+, this CA's own root\)/);
    });

    it('refuses a certificate that is not a root, in one line, writing nothing', async () => {
      const cloud = await makeHome(dir, 'Cloud');
      const kubernetes = await makeHome(dir, 'Kubernetes');
      const run = await fedca(['federation', 'add', '--home', cloud.home, '--root', join(kubernetes.home, 'pki/intermediate_ca.crt')]);
      assertOneLineError(run, /Kubernetes Intermediate CA is not a root/);
      assert.equal(run.status, 2);
      assert.deepEqual(configOf(cloud.home).federatedRoots, []);
      assert.deepEqual(readdirSync(join(cloud.home, 'pki/federated')), []);
    });

    it('refuses a missing --root, a file without certificates, and a home without a CA, in one line each', async () => {
      const cloud = await makeHome(dir, 'Cloud');
      assertOneLineError(await fedca(['federation', 'add', '--home', cloud.home]), /required option '--root <file>' not specified/);
      writeFileSync(join(dir, 'empty.pem'), 'nothing here\n');
      assertOneLineError(await fedca(['federation', 'add', '--home', cloud.home, '--root', join(dir, 'empty.pem')]), /empty\.pem holds no PEM certificate/);
      assertOneLineError(await fedca(['federation', 'add', '--home', join(dir, 'none'), '--root', join(cloud.home, 'pki/root_ca.crt')]), /cannot read the configuration/);
    });
  });

  it('list shows the own root, the federatedRoots files and the peers, with where each comes from', async () => {
    const cloud = await makeHome(dir, 'Cloud');
    const kubernetes = await makeHome(dir, 'Kubernetes');
    const peer = miniPki('Peer');
    assert.equal((await fedca(['federation', 'add', '--home', cloud.home, '--root', join(kubernetes.home, 'pki/root_ca.crt')])).status, 0);
    const file = join(cloud.home, 'config/ca.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    config.federation = { peers: [{ url: 'https://peer.example:2443', fingerprint: peer.rootFingerprint }, { url: 'https://later.example', fingerprint: 'cd'.repeat(32) }] };
    writeFileSync(file, JSON.stringify(config));
    const store = new SqliteStore(join(cloud.home, 'db/fedca.sqlite'));
    await store.savePeerRoots({ url: 'https://peer.example:2443', fingerprint: peer.rootFingerprint, roots: [peer.rootDer], fetchedAt: new Date(), failures: 0, error: '', nextSyncAt: new Date() });
    await store.close();

    const run = await fedca(['federation', 'list', '--home', cloud.home]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.stdout.trimEnd().split('\n'), [
      `${cloud.rootFingerprint}  O=Cloud, CN=Cloud Root CA  (root)`,
      `${kubernetes.rootFingerprint}  O=Kubernetes, CN=Kubernetes Root CA  (pki/federated/kubernetes_root_ca.crt)`,
      `${peer.rootFingerprint}  O=Peer, CN=Peer Root CA  (peer https://peer.example:2443)`,
      '(peer https://later.example: no roots fetched yet)',
    ]);
  });

  describe("save a running CA's bundle", () => {
    let ca: TestCa;
    let partnerDir: string;
    const partner = miniPki('Partner');
    before(async () => {
      partnerDir = tempDir('fedca-partner-');
      writeFileSync(join(partnerDir, 'partner.crt'), partner.rootPem);
      ca = await startTestCa({
        name: 'Cloud',
        editConfig: (config) => {
          config.federatedRoots = [join(partnerDir, 'partner.crt')];
        },
      });
    });
    after(async () => {
      await ca.stop();
      rmSync(partnerDir, { recursive: true, force: true });
    });

    it('with --root: the federation bundle as GET /federation.pem serves it', async () => {
      const out = join(dir, 'federated.pem');
      const run = await fedca(['federation', '--ca-url', ca.url, '--root', ca.rootFile, out]);
      assert.equal(run.status, 0, run.stderr);
      const expected = (await https(ca, '/federation.pem')).body.toString('utf8');
      assert.equal(readFileSync(out, 'utf8'), expected);
      assert.deepEqual(pemDers(expected).map(fingerprint), [ca.rootFingerprint, partner.rootFingerprint]);
      assert.match(run.stdout, /The federation bundle \(2 roots\) has been saved in .*federated\.pem:\n {2}O=Cloud, CN=Cloud Root CA\n {2}O=Partner, CN=Partner Root CA\n$/);
    });

    it('with --fingerprint; an existing file needs --force', async () => {
      const out = join(dir, 'federated.pem');
      writeFileSync(out, 'old');
      assertOneLineError(await fedca(['federation', '--ca-url', ca.url, '--fingerprint', ca.rootFingerprint, out]), /already exists; use --force/);
      assert.equal(readFileSync(out, 'utf8'), 'old');
      const run = await fedca(['federation', '--ca-url', ca.url, '--fingerprint', ca.rootFingerprint, out, '--force']);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(pemDers(readFileSync(out, 'utf8')).length, 2);
    });

    it('without an output file or with a wrong root: one line, nothing written', async () => {
      assertOneLineError(await fedca(['federation', '--ca-url', ca.url, '--root', ca.rootFile]), /pass the file to save the federation bundle in/);
      const out = join(dir, 'federated.pem');
      writeFileSync(join(dir, 'other.pem'), partner.rootPem);
      const run = await fedca(['federation', '--ca-url', ca.url, '--root', join(dir, 'other.pem'), out]);
      assertOneLineError(run, /cannot reach the CA|certificate/);
      assert.equal(existsSync(out), false);
    });
  });
});
