import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { assertOneLineError, assertSucceeded, fedca, startFedca, type RunningCa } from './helpers/cli.js';
import { opensslCsr } from './helpers/csr.js';
import { https } from './helpers/https.js';
import { closedPort } from './helpers/ports.js';
import { createTestSchema, requirePostgres, type TestSchema } from './helpers/postgres.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcpProxy.js';
import { initTestHome, tempDir, type CaEndpoint } from './helpers/testCa.js';
import { provisionerKey, signToken } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

describe('fedca on PostgreSQL: init --db, and start while the database is away', () => {
  let schema: TestSchema;
  let dir: string;
  let passwordFile: string;
  before(async function () {
    await requirePostgres(this);
  });
  beforeEach(async () => {
    schema = await createTestSchema();
    dir = tempDir();
    passwordFile = join(dir, 'pw');
    writeFileSync(passwordFile, 'correct horse\n', { mode: 0o600 });
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await schema.drop();
  });

  const init = (home: string, ...extra: string[]) => fedca(['init', '--home', home, '--address', '127.0.0.1:0', '--password-file', passwordFile, ...extra]);

  it('init --db writes the postgresql store into ca.json and migrates the empty database', async () => {
    const home = join(dir, 'home');
    const dbPassword = join(dir, 'db-password');
    writeFileSync(dbPassword, 'unused-with-trust\n');
    const run = await init(home, '--db', schema.url, '--db-password-file', dbPassword);
    assertSucceeded(run);
    assert.match(run.stdout, /store: +PostgreSQL/);
    const config = validateConfig(JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')));
    assert.deepEqual(config.db, { type: 'postgresql', dataSource: schema.url, passwordFile: dbPassword });
    const tables = await schema.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema.name]);
    assert.ok(tables.rows.some((r) => r.table_name === 'issued_certificates'), 'the schema was not migrated');
    assert.equal(existsSync(join(home, 'db')), false, 'a SQLite store was made as well');
  });

  it("init --db refuses a database that holds another CA's certificates, and writes nothing", async () => {
    assertSucceeded(await init(join(dir, 'first'), '--db', schema.url));
    await schema.query(`INSERT INTO ${schema.name}.issued_certificates VALUES ('1', '\\x3000', 'old', 0, 1, 'admin', 0)`);
    const home = join(dir, 'second');
    assertOneLineError(await init(home, '--db', schema.url), /already holds 1 certificate\(s\).*empty one/);
    assert.equal(existsSync(home), false);
  });

  it('init refuses a --db that is neither a postgresql URL nor sqlite:PATH with one line, and writes nothing', async () => {
    const home = join(dir, 'home');
    assertOneLineError(await init(home, '--db', 'db.internal'), /--db.*postgresql:\/\/.*sqlite:PATH/);
    assert.equal(existsSync(home), false);
  });

  it('init refuses an unreachable database with one line, and writes nothing', async () => {
    const home = join(dir, 'home');
    const url = `postgresql://postgres@127.0.0.1:${await closedPort()}/test`;
    assertOneLineError(await init(home, '--db', url), /cannot use the database postgresql:\/\/postgres@127\.0\.0\.1:\d+\/test/);
    assert.equal(existsSync(home), false);
  });

  describe('start with the database unreachable', () => {
    let proxy: TcpProxy;
    let ca: RunningCa | undefined;
    afterEach(async () => {
      await ca?.stop('SIGKILL');
      await proxy.stop();
    });

    it('serves anyway, says so, answers /health 503 until the database is back, then signs without a restart', async () => {
      proxy = await startTcpProxy(Number(new URL(schema.url).port || 5432));
      const url = new URL(schema.url);
      url.port = String(proxy.port);
      const home = await initTestHome({ editConfig: (c) => (c.db = { type: 'postgresql', dataSource: url.href }) });
      try {
        await proxy.cut();
        ca = await startFedca(['--home', home.home, '--password-file', home.passwordFile, '--workers', '1', '--quiet']);
        const endpoint: CaEndpoint = { ...home, url: ca.url, port: ca.port, rootPem: readFileSync(home.rootFile, 'utf8') };
        assert.match(ca.stderr(), /store unavailable at start/);
        const health = await https(endpoint, '/health');
        assert.equal(health.status, 503);
        assert.equal(health.headers['retry-after'], '1');
        assert.equal((await https(endpoint, '/roots')).status, 200);
        await until(() => /store unavailable; \/health answers 503, retrying/.test(ca?.stderr() ?? ''), 'a retry log line');
        await proxy.restore();
        await until(async () => (await https(endpoint, '/health')).status === 200, '/health to answer 200');
        await until(() => /store reachable: serving/.test(ca?.stderr() ?? ''), 'the log line saying the store is back');
        const p = await provisionerKey(endpoint);
        const res = await https(endpoint, '/1.0/sign', { body: { csr: opensslCsr('P-256', 'svc.internal').csrPem, ott: await signToken(endpoint, p, 'svc.internal') } });
        assert.equal(res.status, 201, res.body.toString());
      } finally {
        rmSync(home.home, { recursive: true, force: true });
      }
    });
  });

  it('start --init takes the store from FEDCA_INIT_DB', async () => {
    const home = join(dir, 'home');
    const ca = await startFedca(['--home', home, '--init', '--workers', '1', '--quiet'], { FEDCA_INIT_DB: schema.url, FEDCA_INIT_ADDRESS: '127.0.0.1:0', FEDCA_INIT_PASSWORD_FILE: passwordFile });
    try {
      assert.deepEqual(validateConfig(JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8'))).db, { type: 'postgresql', dataSource: schema.url });
      const endpoint: CaEndpoint = { home, url: ca.url, port: ca.port, password: 'correct horse', rootPem: readFileSync(join(home, 'pki/root_ca.crt'), 'utf8'), rootFingerprint: ca.rootFingerprint };
      assert.equal((await https(endpoint, '/health')).status, 200);
      const stored = await schema.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema.name}.issued_certificates`);
      assert.equal(stored.rows[0].n, '1', "the server's own certificate is recorded in PostgreSQL");
    } finally {
      await ca.stop();
    }
  });

  it('start --address refuses a malformed address with one line', async () => {
    const home = await initTestHome();
    try {
      assertOneLineError(await fedca(['start', '--home', home.home, '--password-file', home.passwordFile, '--address', 'localhost']), /--address.*HOST:PORT/);
    } finally {
      rmSync(home.home, { recursive: true, force: true });
    }
  });
});
