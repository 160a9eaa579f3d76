import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { spawn } from 'node:child_process';
import { assertOneLineError, CLI, fedca, startFedca, type RunningCa } from './helpers/cli.js';
import { cleanEnv } from './helpers/exec.js';
import { exec } from './helpers/exec.js';
import { closedPort } from './helpers/ports.js';
import { writeStepPath, type StepPath } from './helpers/stepCa.js';
import { tempDir } from './helpers/testCa.js';

/** GETs a path of the CA with curl, trusting `rootFile`. */
async function get(ca: RunningCa, path: string, rootFile: string): Promise<string> {
  const res = await exec('curl', ['-sf', '--cacert', rootFile, `https://localhost:${ca.port}${path}`]);
  assert.equal(res.status, 0, res.stderr);
  return res.stdout;
}

/** The TLS version the CA agrees to when the client offers only `version`, or the error. */
function negotiate(port: number, version: 'TLSv1.2' | 'TLSv1.3'): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, minVersion: version, maxVersion: version }, () => {
      resolve(socket.getProtocol() ?? 'none');
      socket.destroy();
    });
    socket.once('error', (err) => resolve(`error: ${err.message}`));
  });
}

describe('fedca start CONFIG: step-ca configurations served where they lie', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const running: RunningCa[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((ca) => ca.stop()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("step-ca's basic-federation example: relative paths from the example's folder, jwk in lower case, its tls block, logger", async () => {
    const example = tempDir('fedca-basic-federation-');
    dirs.push(example);
    const cloud: StepPath = await writeStepPath(join(example, 'pki/cloud'), undefined, 'Cloud');
    const kubernetes: StepPath = await writeStepPath(join(example, 'pki/kubernetes'), undefined, 'Kubernetes');
    copyFileSync(join(kubernetes.dir, 'certs/root_ca.crt'), join(cloud.dir, 'certs/kubernetes_root_ca.crt'));
    const provisioner = (cloud.config.authority as { provisioners: Record<string, unknown>[] }).provisioners[0];
    // pki/cloud/config/ca.federated.json as the example writes it (its address aside: a free loopback port).
    const federated = {
      root: 'pki/cloud/certs/root_ca.crt',
      federatedRoots: ['pki/cloud/certs/kubernetes_root_ca.crt'],
      crt: 'pki/cloud/certs/intermediate_ca.crt',
      key: 'pki/cloud/secrets/intermediate_ca_key',
      address: `127.0.0.1:${await closedPort()}`,
      dnsNames: ['localhost'],
      logger: { format: 'text' },
      authority: { provisioners: [{ name: provisioner.name, type: 'jwk', key: provisioner.key, encryptedKey: provisioner.encryptedKey }] },
      tls: { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'], minVersion: 1.2, maxVersion: 1.2, renegotiation: false },
    };
    writeFileSync(join(cloud.dir, 'config/ca.federated.json'), JSON.stringify(federated, null, 3));

    const ca = await startFedca(['pki/cloud/config/ca.federated.json', '--password-file', cloud.passwordFile, '--workers', '1', '--quiet'], {}, example);
    running.push(ca);
    assert.equal(ca.rootFingerprint, cloud.rootFingerprint);
    assert.doesNotMatch(ca.stderr(), /warning/);
    const rootFile = join(cloud.dir, 'certs/root_ca.crt');
    const bundle = await get(ca, '/federation.pem', rootFile);
    const subjects = bundle.split(/(?<=-----END CERTIFICATE-----\n?)/).filter((p) => p.includes('BEGIN')).map((p) => new X509Certificate(p).subject);
    assert.deepEqual(subjects, ['O=Cloud\nCN=Cloud Root CA', 'O=Kubernetes\nCN=Kubernetes Root CA']);
    assert.equal(await negotiate(ca.port, 'TLSv1.2'), 'TLSv1.2');
    assert.match(await negotiate(ca.port, 'TLSv1.3'), /^error: .*(version|protocol)/i);
    // step-ca ran this example without a db: fedca keeps its store beside the example's CA.
    assert.ok(existsSync(join(cloud.dir, 'db/fedca.sqlite')), 'store in pki/cloud/db');
  });

  it('a $STEPPATH as step ca init --no-db writes it: absolute paths, federatedRoots null, password in ca.json; what fedca lacks named in one warning', async () => {
    const stepPath = await writeStepPath(tempDir('fedca-steppath-'), undefined);
    dirs.push(stepPath.dir);
    const config = JSON.parse(readFileSync(stepPath.configFile, 'utf8')) as Record<string, unknown>;
    assert.equal(config.federatedRoots, null);
    config.password = stepPath.password;
    config.ssh = { hostKey: join(stepPath.dir, 'secrets/ssh_host_ca_key'), userKey: join(stepPath.dir, 'secrets/ssh_user_ca_key') };
    writeFileSync(stepPath.configFile, JSON.stringify(config, null, '\t'));
    const elsewhere = tempDir('fedca-cwd-');
    dirs.push(elsewhere);
    const ca = await startFedca(['--config', stepPath.configFile, '--workers', '2', '--quiet'], {}, elsewhere);
    running.push(ca);
    assert.equal(ca.workers, 2);
    const warnings = ca.stderr().split('\n').filter((l) => /warning/.test(l));
    assert.deepEqual(warnings, ['fedca: warning: ca.json sets what fedca does not implement, ignored: ssh']);
    assert.match(await get(ca, '/roots.pem', join(stepPath.dir, 'certs/root_ca.crt')), /BEGIN CERTIFICATE/);
    assert.ok(existsSync(join(stepPath.dir, 'db/fedca.sqlite')), 'store in $STEPPATH/db');
  });

  it("refuses step-ca's own database with the way to adopt it, and a relative path that is not there from the working directory", async () => {
    const stepPath = await writeStepPath(tempDir('fedca-steppath-'), { type: 'badgerv2', dataSource: '/home/step/.step/db', badgerFileLoadingMode: '' });
    dirs.push(stepPath.dir);
    const badger = await fedca(['start', stepPath.configFile, '--password-file', stepPath.passwordFile], {}, stepPath.dir);
    assertOneLineError(badger, /db\.type: "badgerv2" is step-ca's database.*fedca init --from-step-ca/);
    assert.equal(badger.status, 2);

    const config = JSON.parse(readFileSync(stepPath.configFile, 'utf8')) as Record<string, unknown>;
    delete config.db;
    config.root = 'certs/root_ca.crt';
    writeFileSync(stepPath.configFile, JSON.stringify(config));
    // step-ca resolves it against the working directory: from $STEPPATH it is found, from elsewhere not.
    const elsewhere = tempDir('fedca-cwd-');
    dirs.push(elsewhere);
    mkdirSync(join(elsewhere, 'x'));
    assertOneLineError(await fedca(['start', stepPath.configFile, '--password-file', stepPath.passwordFile], {}, join(elsewhere, 'x')), new RegExp(`root: cannot read ${join(elsewhere, 'x', 'certs/root_ca.crt')}`));
    const ca = await startFedca([stepPath.configFile, '--password-file', stepPath.passwordFile, '--workers', '1', '--quiet'], {}, stepPath.dir);
    running.push(ca);
    assert.equal(ca.rootFingerprint, stepPath.rootFingerprint);
  });

  it('without a password file, on no terminal: one line saying where a password can come from', async () => {
    const stepPath = await writeStepPath(tempDir('fedca-steppath-'), undefined);
    dirs.push(stepPath.dir);
    assertOneLineError(await fedca(['start', stepPath.configFile]), /no password: pass --password-file, or set "password" in ca.json, or run on a terminal/);
  });

  it('on a terminal, asks for the password without echoing it, as step-ca does', async () => {
    const stepPath = await writeStepPath(tempDir('fedca-steppath-'), undefined);
    dirs.push(stepPath.dir);
    // script(1) gives fedca a pseudo-terminal; what it echoes comes back on stdout.
    const command = `'${process.execPath}' '${CLI}' start '${stepPath.configFile}' --workers 1 --quiet`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const seen = (pattern: RegExp): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got: ${out}`)), 30_000);
        const check = (): void => {
          if (!pattern.test(out)) return;
          clearTimeout(timer);
          resolve();
        };
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          check();
        });
        check();
      });
    try {
      await seen(/enter the password/);
      child.stdin.write(stepPath.password + '\r');
      await seen(/serving https:\/\/localhost:\d+/);
      assert.ok(!out.includes(stepPath.password), `the password was echoed: ${out}`);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
