import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '../src/pki/pem.js';
import { parseLog } from './helpers/accessLog.js';
import { assertOneLine, fedca, startFedca, type RunningCa } from './helpers/cli.js';
import { otherRoot } from './helpers/fixtures.js';
import { get } from './helpers/http.js';
import { editConfig, initTestHome, tempDir, type TestHome } from './helpers/testCa.js';
import { eventually, until } from './helpers/wait.js';

/** The test CA as `get` wants it: its URL and root. */
const target = (ca: RunningCa, home: string): { url: string; rootPem: string } => ({ url: ca.url, rootPem: readFileSync(join(home, 'pki/root_ca.crt'), 'utf8') });

describe('fedca start', () => {
  let template: TestHome;
  let dir: string;
  const running: RunningCa[] = [];

  before(async () => {
    template = await initTestHome();
  });
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((ca) => ca.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });
  after(() => rmSync(template.home, { recursive: true, force: true }));

  /** A fresh copy of the template home (so each test may edit or break it). */
  const copyHome = (): string => {
    const home = join(dir, 'home');
    cpSync(template.home, home, { recursive: true });
    return home;
  };
  const start = async (args: string[], env?: Record<string, string>): Promise<RunningCa> => {
    const ca = await startFedca(args, env);
    running.push(ca);
    return ca;
  };

  it('prints its URL and root fingerprint, serves, logs JSON lines to stdout, and exits 0 on SIGTERM', async () => {
    const home = copyHome();
    const ca = await start(['--home', home, '--password-file', template.passwordFile]);
    assert.equal(ca.rootFingerprint, template.rootFingerprint);
    assert.match(ca.url, /^https:\/\/localhost:\d+$/);
    const res = await get(target(ca, home), '/health');
    assert.equal(res.status, 200);
    assert.equal(await ca.stop('SIGTERM'), 0);
    assert.match(ca.stderr(), /SIGTERM/);
    const entries = parseLog(ca.stdout().split('\n'));
    const health = entries.find((e) => e.path === '/health');
    assert.ok(health, ca.stdout());
    assert.equal(health.method, 'GET');
    assert.equal(health.status, 200);
    assert.equal(typeof health.durationMs, 'number');
  });

  it('with workers, leaves no server behind when the primary is killed outright', async () => {
    const ca = await start(['--home', copyHome(), '--password-file', template.passwordFile, '--workers', '2', '--quiet']);
    const primary = ca.child.pid as number;
    const workers = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim().split(/\s+/).map(Number);
    assert.equal(workers.length, 2);
    await ca.stop('SIGKILL');
    const alive = (pid: number): boolean => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
    await until(() => !workers.some(alive), 'the workers to exit after their primary');
  });

  it('exits 0 on SIGINT too', async () => {
    const ca = await start(['--home', copyHome(), '--password-file', template.passwordFile]);
    assert.equal(await ca.stop('SIGINT'), 0);
  });

  it('--quiet writes no access log', async () => {
    const home = copyHome();
    const ca = await start(['--home', home, '--password-file', template.passwordFile, '--quiet']);
    assert.equal((await get(target(ca, home), '/health')).status, 200);
    assert.equal(await ca.stop(), 0);
    assert.equal(ca.stdout(), '');
  });

  it('finds the home in FEDCA_HOME and the password in pki/secrets/password', async () => {
    const home = copyHome();
    writeFileSync(join(home, 'pki/secrets/password'), template.password + '\n', { mode: 0o600 });
    const ca = await start([], { FEDCA_HOME: home });
    assert.equal(ca.rootFingerprint, template.rootFingerprint);
    assert.equal(await ca.stop(), 0);
  });

  it('SIGHUP reloads the federated roots without a restart', async () => {
    const home = copyHome();
    const ca = await start(['--home', home, '--password-file', template.passwordFile, '--quiet']);
    const partner = otherRoot('Partner');
    writeFileSync(join(home, 'pki/federated/partner.crt'), toPem(partner));
    editConfig(home, (config) => {
      config.federatedRoots = ['pki/federated/partner.crt'];
    });
    ca.child.kill('SIGHUP');
    // Each server process reloads on its own: wait until every one has said so.
    const reloads = (): number => ca.stderr().match(/federation reloaded, 2 root/g)?.length ?? 0;
    await eventually(() => (reloads() >= ca.workers ? true : undefined), `${ca.workers} reload message(s)`);
    const res = await get(target(ca, home), '/federation');
    assert.equal((res.body as { crts: string[] }).crts[1], toPem(partner));
  });

  describe('--init', () => {
    const INIT_ENV = {
      FEDCA_INIT_NAME: 'Envco',
      FEDCA_INIT_DNS: 'localhost,127.0.0.1,ca.envco.test',
      FEDCA_INIT_ADDRESS: '127.0.0.1:0',
      FEDCA_INIT_PROVISIONER: 'robot',
    };

    it('initialises an empty home from FEDCA_INIT_*, and a second start reuses that CA', async () => {
      const home = join(dir, 'fresh');
      const first = await start(['--home', home, '--init'], INIT_ENV);
      const passwordFile = join(home, 'pki/secrets/password');
      assert.match(first.stdout(), /Initialised CA "Envco"/);
      assert.ok(first.stdout().includes(passwordFile), 'the password location is not printed');
      assert.equal(statSync(passwordFile).mode & 0o777, 0o600);
      const provisioners = await get(target(first, home), '/provisioners');
      assert.deepEqual((provisioners.body as { provisioners: { name: string }[] }).provisioners.map((p) => p.name), ['robot']);
      assert.equal(await first.stop(), 0, first.stderr());
      const config = readFileSync(join(home, 'config/ca.json'), 'utf8');

      const second = await start(['--home', home, '--init', '--quiet'], { ...INIT_ENV, FEDCA_INIT_NAME: 'Other' });
      assert.equal(second.rootFingerprint, first.rootFingerprint);
      assert.doesNotMatch(second.stdout(), /Initialised/);
      assert.equal(readFileSync(join(home, 'config/ca.json'), 'utf8'), config);
      assert.equal(await second.stop(), 0, second.stderr());
    });

    it('encrypts with FEDCA_INIT_PASSWORD_FILE instead of generating a password, and starts with it', async () => {
      const home = join(dir, 'fresh');
      const env = { ...INIT_ENV, FEDCA_INIT_PASSWORD_FILE: template.passwordFile };
      const first = await start(['--home', home, '--init', '--quiet'], env);
      assert.equal(existsSync(join(home, 'pki/secrets/password')), false);
      assert.equal(await first.stop(), 0, first.stderr());
      // A restart (a container's next start) finds the password the same way.
      const second = await start(['--home', home, '--init', '--quiet'], env);
      assert.equal(second.rootFingerprint, first.rootFingerprint);
      assert.equal(await second.stop(), 0, second.stderr());
    });
  });

  describe('refuses to start, with one line on stderr, exit 2 and no db/', () => {
    const cases: [string, (home: string) => void, RegExp][] = [
      ['malformed JSON in ca.json', (home) => writeFileSync(join(home, 'config/ca.json'), '{"root": "pki/root_ca.crt",'), /not valid JSON/],
      ['a missing config', (home) => rmSync(join(home, 'config/ca.json')), /cannot read the configuration/],
      ['a missing root file', (home) => rmSync(join(home, 'pki/root_ca.crt')), /root: cannot read .*root_ca\.crt/],
      ['a missing federated root file', (home) => editConfig(home, (c) => (c.federatedRoots = ['pki/federated/gone.crt'])), /federatedRoots\[0\]: cannot read/],
      ['a root file with no certificate', (home) => writeFileSync(join(home, 'pki/root_ca.crt'), 'hello\n'), /root: .* holds no PEM certificate/],
      ['a root that did not issue the intermediate', (home) => writeFileSync(join(home, 'pki/root_ca.crt'), toPem(otherRoot('Stranger'))), /crt: .* not issued by any certificate in root/],
      ['no dnsNames', (home) => editConfig(home, (c) => (c.dnsNames = [])), /dnsNames: must list at least one name/],
      ['a bad address', (home) => editConfig(home, (c) => (c.address = '::1:9000')), /address: must be HOST:PORT/],
      ['a bad duration', (home) => editConfig(home, (c) => ((c.authority as { claims: Record<string, string> }).claims.maxTLSCertDuration = '1 day')), /authority\.claims\.maxTLSCertDuration: must be a positive duration/],
      ['an unknown provisioner type', (home) => editConfig(home, (c) => ((c.authority as { provisioners: { type: string }[] }).provisioners[0].type = 'MAGIC')), /authority\.provisioners\[0\]\.type: unsupported provisioner type "MAGIC"/],
      ['a step-ca provisioner type fedca lacks', (home) => editConfig(home, (c) => ((c.authority as { provisioners: { type: string }[] }).provisioners[0].type = 'scep')), /authority\.provisioners\[0\]\.type: step-ca's provisioner type "SCEP" is not available in fedca yet/],
      ['an unknown database type', (home) => editConfig(home, (c) => (c.db = { type: 'mongodb', dataSource: 'x' })), /db\.type: unsupported database type/],
      ['no password anywhere', () => undefined, /no password/],
    ];
    for (const [what, breakHome, message] of cases) {
      it(what, async () => {
        const home = copyHome();
        breakHome(home);
        const args = ['start', '--home', home];
        if (what !== 'no password anywhere') args.push('--password-file', template.passwordFile);
        const r = await fedca(args);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, message);
        assertOneLine(r.stderr);
        assert.equal(r.stdout, '');
        assert.equal(existsSync(join(home, 'db')), false, 'db/ was created');
      });
    }
  });

  it('refuses a wrong password with one line and a non-zero exit, and creates no db/', async () => {
    const home = copyHome();
    const wrong = join(dir, 'wrong');
    writeFileSync(wrong, 'not the password\n');
    const r = await fedca(['start', '--home', home, '--password-file', wrong]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cannot decrypt the private key \(wrong password\?\)/);
    assertOneLine(r.stderr);
    assert.ok(!r.stderr.includes('not the password'), 'the password is echoed');
    assert.equal(existsSync(join(home, 'db')), false);
  });
});
