import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { opensslCsr } from './helpers/csr.js';
import { exec } from './helpers/exec.js';
import { closedPort } from './helpers/ports.js';
import { skipUnless } from './helpers/requirements.js';
import { decimalSerialOf, post, startStepCa, stepCaBinary, stepToken, writeStepPath, type RunningStepCa, type StepPath } from './helpers/stepCa.js';
import { tempDir } from './helpers/testCa.js';

/**
 * The same requests to a real step-ca 0.19 and to fedca serving the same step-ca
 * configuration: where api.md says step-ca's behaviour wins, the answers match.
 */
describe('fedca answers as step-ca does (same configuration, same requests)', function () {
  this.timeout(120_000);
  let step: StepPath;
  let stepCa: RunningStepCa | undefined;
  let fedca: RunningCa | undefined;
  let dir = '';
  const database = `fedca_parity_${randomBytes(4).toString('hex')}`;
  const rootFile = (): string => join(step.dir, 'certs/root_ca.crt');
  const urls = (): [string, string][] => [
    ['step-ca', stepCa?.url ?? ''],
    ['fedca', `https://localhost:${fedca?.port}`],
  ];

  before(async function () {
    const built = await stepCaBinary();
    skipUnless(this, 'step-ca parity tests', built.reason);
    dir = tempDir('fedca-parity-');
    step = await writeStepPath(dir, { type: 'mysql', dataSource: 'root@tcp(127.0.0.1:3306)/', database });
    stepCa = await startStepCa(built.binary ?? '', step);
    const config = JSON.parse(readFileSync(step.configFile, 'utf8')) as Record<string, unknown>;
    delete config.db;
    config.address = `127.0.0.1:${await closedPort()}`;
    writeFileSync(join(dir, 'config/ca.fedca.json'), JSON.stringify(config));
    fedca = await startFedca(['config/ca.fedca.json', '--password-file', step.passwordFile, '--workers', '1', '--quiet'], {}, dir);
  });

  after(async () => {
    await stepCa?.stop();
    await fedca?.stop();
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await connection.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Signs at one CA with the request's notBefore/notAfter; resolves the status (and the certificate). */
  async function sign(url: string, cn: string, times: { notBefore?: string; notAfter?: string } = {}): Promise<{ status: number; crt?: string; chain?: string; key: string }> {
    const { csrPem, keyPem } = opensslCsr('P-256', cn);
    const ott = await stepToken(step, cn, `${url}/1.0/sign`);
    const res = await post(url, '/1.0/sign', { csr: csrPem, ott, notBefore: times.notBefore ?? '', notAfter: times.notAfter ?? '' }, rootFile());
    const crt = res.json.crt as string | undefined;
    return { status: res.status, crt, chain: crt ? crt + (res.json.ca as string) : undefined, key: keyPem };
  }

  it('counts certificate durations alike: the backdate inside the bounds, the maximum widened by it', async () => {
    const cases: [{ notBefore?: string; notAfter?: string }, number][] = [
      [{ notAfter: '4m30s' }, 201],
      [{ notAfter: '3m' }, 403],
      [{ notAfter: '24h' }, 201],
      [{ notAfter: '24h0m30s' }, 403],
      [{ notBefore: '1m', notAfter: '24h1m' }, 201],
      [{ notBefore: '1m', notAfter: '24h2m' }, 403],
      // A relative notAfter counts from notBefore, not from now.
      [{ notBefore: '2h', notAfter: '1h' }, 201],
      [{ notBefore: '2h', notAfter: new Date(Date.now() + 3_600_000).toISOString() }, 400],
      [{ notAfter: new Date(Date.now() - 3_600_000).toISOString() }, 400],
    ];
    for (const [times, expected] of cases) {
      for (const [name, url] of urls()) {
        const { status } = await sign(url, 'svc.internal', times);
        assert.equal(status, expected, `${name} ${JSON.stringify(times)}`);
      }
    }
  });

  it('refuses to renew a revoked certificate with 401', async () => {
    for (const [name, url] of urls()) {
      const issued = await sign(url, 'revoked.internal');
      assert.equal(issued.status, 201, name);
      const serial = decimalSerialOf(issued.crt ?? '');
      const ott = await stepToken(step, serial, `${url}/1.0/revoke`, { sans: undefined });
      assert.equal((await post(url, '/1.0/revoke', { serial, ott, reasonCode: 1, passive: true }, rootFile())).status, 200, name);
      const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
      writeFileSync(files.cert, issued.chain ?? '');
      writeFileSync(files.key, issued.key);
      const renewal = await post(url, '/1.0/renew', {}, rootFile(), files);
      assert.equal(renewal.status, 401, `${name}: ${JSON.stringify(renewal.json)}`);
    }
  });

  it('names the same acceptable client CAs in its TLS CertificateRequest', async () => {
    const names: string[][] = [];
    for (const [, url] of urls()) {
      const out = await exec('openssl', ['s_client', '-connect', url.replace('https://localhost', '127.0.0.1'), '-servername', 'localhost'], { input: '' });
      const section = out.stdout.split('Acceptable client certificate CA names')[1]?.split('---')[0] ?? '';
      names.push(section.split('\n').map((l) => l.trim()).filter((l) => /^(\w+ = [^:]*)(, \w+ = [^:]*)*$/.test(l)).sort());
    }
    assert.ok(names[0].length >= 2, `step-ca lists its CAs: ${names[0].join('; ')}`);
    assert.deepEqual(names[1], names[0]);
  });
});
