import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { fedca, assertSucceeded, assertOneLineError } from './helpers/cli.js';
import { opensslCsr } from './helpers/csr.js';
import { exec } from './helpers/exec.js';
import { https } from './helpers/https.js';
import { skipUnless } from './helpers/requirements.js';
import { decimalSerialOf, post, startStepCa, stepCaBinary, stepToken, writeStepPath, type StepPath } from './helpers/stepCa.js';
import { editConfig, startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { signCrl } from '../src/pki/crl.js';
import { createIssuer } from '../src/pki/issuer.js';
import { generateKey, readPrivateKey } from '../src/pki/keys.js';
import { pemDers, toPem } from '../src/pki/pem.js';
import { issueRoot } from '../src/pki/issueCertificate.js';

const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
const POSTGRES = 'postgresql://postgres@127.0.0.1:5432/';

/** A certificate step-ca issued, with its key. */
interface Held {
  readonly crt: string;
  readonly chain: string;
  readonly key: string;
  readonly serial: string;
}

/** What step-ca did before the move: issued `kept`, issued and revoked `revoked`, spent `usedToken`. */
interface StepCaPast {
  readonly step: StepPath;
  readonly kept: Held;
  readonly revoked: Held;
  /** A sign token step-ca accepted, still unexpired. */
  readonly usedToken: string;
}

/** Runs a real step-ca 0.19 on `step` and has it issue, revoke and burn tokens. */
async function stepCaHistory(binary: string, step: StepPath): Promise<StepCaPast> {
  const ca = await startStepCa(binary, step);
  try {
    const issue = async (cn: string, ott?: string): Promise<Held & { ott: string }> => {
      const { csrPem, keyPem } = opensslCsr('P-256', cn);
      const token = ott ?? (await stepToken(step, cn, `${ca.url}/1.0/sign`));
      const res = await post(ca.url, '/1.0/sign', { csr: csrPem, ott: token }, join(step.dir, 'certs/root_ca.crt'));
      assert.equal(res.status, 201, JSON.stringify(res.json));
      const crt = res.json.crt as string;
      return { crt, chain: crt + (res.json.ca as string), key: keyPem, serial: decimalSerialOf(crt), ott: token };
    };
    const kept = await issue('kept.internal');
    const revoked = await issue('revoked.internal');
    const revokeOtt = await stepToken(step, revoked.serial, `${ca.url}/1.0/revoke`, { sans: undefined });
    const res = await post(ca.url, '/1.0/revoke', { serial: revoked.serial, ott: revokeOtt, reasonCode: 1, reason: 'key compromise', passive: true }, join(step.dir, 'certs/root_ca.crt'));
    assert.equal(res.status, 200, JSON.stringify(res.json));
    // step-ca itself refuses the token a second time.
    const again = await post(ca.url, '/1.0/sign', { csr: opensslCsr('P-256', 'kept.internal').csrPem, ott: kept.ott }, join(step.dir, 'certs/root_ca.crt'));
    assert.equal(again.status, 401);
    return { step, kept, revoked, usedToken: kept.ott };
  } finally {
    await ca.stop();
  }
}

/** Adopts `stepPath` into a new home with `fedca init --from-step-ca`, then starts that home in-process. */
async function adoptAndStart(stepPath: string, past: StepCaPast, extra: string[] = []): Promise<{ ca: TestCa; stdout: string }> {
  const home = tempDir('fedca-adopted-');
  const run = await fedca(['init', '--from-step-ca', stepPath, '--home', home, '--password-file', past.step.passwordFile, ...extra]);
  assertSucceeded(run);
  editConfig(home, (c) => (c.address = '127.0.0.1:0'));
  const ca = await startTestCa({
    home: { home, password: past.step.password, passwordFile: past.step.passwordFile, rootFile: join(home, 'pki/root_ca.crt'), rootFingerprint: past.step.rootFingerprint },
  });
  return { ca, stdout: run.stdout };
}

/** The checks of the move: nothing revoked comes back, what was issued renews, a spent token stays spent. */
async function assertCarriedOver(ca: TestCa, past: StepCaPast): Promise<void> {
  const refused = await https(ca, '/1.0/renew', { method: 'POST', cert: past.revoked.chain, key: past.revoked.key });
  assert.equal(refused.status, 401, refused.body.toString());
  assert.match(refused.json<{ message: string }>().message, /revoked/);

  const crl = await https(ca, '/crl?pem=true');
  const crlFile = join(ca.home, 'crl.pem');
  writeFileSync(crlFile, crl.body);
  const text = await exec('openssl', ['crl', '-in', crlFile, '-noout', '-text']);
  const listed = [...text.stdout.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => BigInt('0x' + m[1]).toString(10));
  assert.deepEqual(listed, [past.revoked.serial]);
  assert.match(text.stdout, /Key Compromise/);

  const renewed = await https(ca, '/1.0/renew', { method: 'POST', cert: past.kept.chain, key: past.kept.key });
  assert.equal(renewed.status, 201, renewed.body.toString());
  const leaf = new X509Certificate(renewed.json<{ crt: string }>().crt);
  assert.equal(leaf.subject, 'CN=kept.internal');
  assert.ok(leaf.verify(new X509Certificate(past.step.intermediatePem).publicKey), "signed by step-ca's intermediate");

  const spent = await https(ca, '/1.0/sign', { body: { csr: opensslCsr('P-256', 'kept.internal').csrPem, ott: past.usedToken } });
  assert.equal(spent.status, 401, spent.body.toString());
  assert.match(spent.json<{ message: string }>().message, /already used/);

  const stored = await ca.authority.store.certificate(past.kept.serial);
  assert.equal(stored?.provisioner, past.step.provisionerName);
}

describe('moving from step-ca: fedca init --from-step-ca', function () {
  this.timeout(300_000);
  let binary = '';
  let past: StepCaPast;
  let dir: string;
  const database = `fedca_stepca_${randomBytes(4).toString('hex')}`;
  const started: TestCa[] = [];

  before(async function () {
    const built = await stepCaBinary();
    skipUnless(this, 'step-ca adoption tests', built.reason);
    binary = built.binary ?? '';
    dir = tempDir('fedca-steppath-');
    const step = await writeStepPath(dir, { type: 'mysql', dataSource: 'root@tcp(127.0.0.1:3306)/', database });
    past = await stepCaHistory(binary, step);
  });

  after(async () => {
    await Promise.all(started.splice(0).map((ca) => ca.stop()));
    const connection = await mysql.createConnection(MARIADB);
    await connection.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await connection.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('from MariaDB, as step-ca wrote it: the revoked certificate stays revoked, the others renew, spent tokens stay spent', async () => {
    const { ca, stdout } = await adoptAndStart(past.step.dir, past);
    started.push(ca);
    assert.match(stdout, /from its mysql database: 2 certificate\(s\), 1 revocation\(s\), 3 used token id\(s\)/);
    await assertCarriedOver(ca, past);
  });

  it("from PostgreSQL, in step-ca's table layout (nkey/nvalue BYTEA per bucket)", async () => {
    // Debian's step-ca 0.19 has no PostgreSQL driver: the rows step-ca wrote to MariaDB are copied
    // byte for byte into the tables step-ca's PostgreSQL driver (smallstep/nosql) creates.
    const pgDatabase = `${database}_pg`;
    const admin = new pg.Client({ connectionString: `${POSTGRES}postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pgDatabase}`);
    try {
      const source = await mysql.createConnection({ ...MARIADB, database });
      const target = new pg.Client({ connectionString: `${POSTGRES}${pgDatabase}` });
      await target.connect();
      try {
        const [tables] = await source.query('SHOW TABLES');
        for (const row of tables as Record<string, string>[]) {
          const table = Object.values(row)[0];
          await target.query(`CREATE TABLE "${table}" (nkey BYTEA CHECK (octet_length(nkey) <= 255), nvalue BYTEA, PRIMARY KEY (nkey))`);
          const [rows] = await source.query(`SELECT nkey, nvalue FROM \`${table}\``);
          for (const r of rows as { nkey: Buffer; nvalue: Buffer }[]) await target.query(`INSERT INTO "${table}" (nkey, nvalue) VALUES ($1, $2)`, [r.nkey, r.nvalue]);
        }
      } finally {
        await source.end();
        await target.end();
      }
      const config = JSON.parse(readFileSync(past.step.configFile, 'utf8')) as Record<string, unknown>;
      config.db = { type: 'postgresql', dataSource: POSTGRES, database: pgDatabase };
      const pgConfig = join(dir, 'config/ca.postgresql.json');
      writeFileSync(pgConfig, JSON.stringify(config));
      const { ca, stdout } = await adoptAndStart(pgConfig, past);
      started.push(ca);
      assert.match(stdout, /from its postgresql database: 2 certificate\(s\), 1 revocation\(s\), 3 used token id\(s\)/);
      await assertCarriedOver(ca, past);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('from a Badger/BoltDB store: refused without revocations; with step-ca\'s revoked serials, they stay revoked', async () => {
    const config = JSON.parse(readFileSync(past.step.configFile, 'utf8')) as Record<string, unknown>;
    config.db = { type: 'badgerv2', dataSource: join(dir, 'db') };
    const badgerConfig = join(dir, 'config/ca.badger.json');
    writeFileSync(badgerConfig, JSON.stringify(config));
    const home = tempDir('fedca-adopted-');
    try {
      const refused = await fedca(['init', '--from-step-ca', badgerConfig, '--home', home, '--password-file', past.step.passwordFile]);
      assertOneLineError(refused, /badgerv2 database cannot be read by fedca.*--crl FILE.*--no-revocations/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const serials = join(dir, 'revoked-serials.txt');
    writeFileSync(serials, `# revoked at step-ca\n0x${new X509Certificate(past.revoked.crt).serialNumber}\n`);
    const { ca, stdout } = await adoptAndStart(badgerConfig, past, ['--revoked-serials', serials]);
    started.push(ca);
    assert.match(stdout, /from its badgerv2 database: 0 certificate\(s\), 1 revocation\(s\)/);
    const refusedRenewal = await https(ca, '/1.0/renew', { method: 'POST', cert: past.revoked.chain, key: past.revoked.key });
    assert.equal(refusedRenewal.status, 401);
    assert.equal((await https(ca, '/1.0/renew', { method: 'POST', cert: past.kept.chain, key: past.kept.key })).status, 201);
    // Told explicitly, adoption goes on without them, and says what that means.
    const without = await adoptAndStart(badgerConfig, past, ['--no-revocations']);
    started.push(without.ca);
    assert.match(without.stdout, /none adopted \(--no-revocations\)/);
    assert.equal(await without.ca.authority.store.revocation(past.revoked.serial), undefined);
  });

  it("from a Badger/BoltDB store with step-ca's CRL: its entries stay revoked with their reason; a CRL another CA signed is refused", async () => {
    const config = JSON.parse(readFileSync(past.step.configFile, 'utf8')) as Record<string, unknown>;
    config.db = { type: 'bbolt', dataSource: join(dir, 'db/bbolt') };
    const boltConfig = join(dir, 'config/ca.bbolt.json');
    writeFileSync(boltConfig, JSON.stringify(config));
    const intermediate = createIssuer(pemDers(past.step.intermediatePem)[0], readPrivateKey(readFileSync(join(dir, 'secrets/intermediate_ca_key'), 'utf8'), past.step.password));
    const revokedAt = new Date(Date.now() - 3_600_000);
    const contents = { crlNumber: 7n, thisUpdate: revokedAt, nextUpdate: new Date(Date.now() + 3_600_000), entries: [{ serial: BigInt(past.revoked.serial), revokedAt, reasonCode: 1 }] };
    const crlFile = join(dir, 'step-ca.crl');
    writeFileSync(crlFile, toPem(signCrl(contents, intermediate), 'X509 CRL'));
    const strangerKey = generateKey({ kty: 'EC' });
    const stranger = createIssuer(issueRoot('Stranger', strangerKey), strangerKey);
    const forged = join(dir, 'forged.crl');
    writeFileSync(forged, signCrl(contents, stranger));
    const home = tempDir('fedca-adopted-');
    try {
      assertOneLineError(await fedca(['init', '--from-step-ca', boltConfig, '--home', home, '--password-file', past.step.passwordFile, '--crl', forged]), /not signed by this CA's intermediate or root/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const { ca, stdout } = await adoptAndStart(boltConfig, past, ['--crl', crlFile]);
    started.push(ca);
    assert.match(stdout, /from its bbolt database: 0 certificate\(s\), 1 revocation\(s\)/);
    const revocation = await ca.authority.store.revocation(past.revoked.serial);
    assert.equal(revocation?.reasonCode, 1);
    assert.equal(revocation?.revokedAt.getTime(), Math.floor(revokedAt.getTime() / 1000) * 1000);
    assert.equal((await https(ca, '/1.0/renew', { method: 'POST', cert: past.revoked.chain, key: past.revoked.key })).status, 401);
  });

  it('refuses a wrong password and an occupied home, writing nothing', async () => {
    const home = tempDir('fedca-adopted-');
    try {
      const wrong = join(home, 'wrong.txt');
      writeFileSync(wrong, 'not-the-password\n');
      assertOneLineError(await fedca(['init', '--from-step-ca', past.step.dir, '--home', home, '--password-file', wrong]), /cannot decrypt step-ca's intermediate key/);
      assert.deepEqual(readdir(home), ['wrong.txt']);
      assertSucceeded(await fedca(['init', '--home', home, '--password-file', wrong]));
      assertOneLineError(await fedca(['init', '--from-step-ca', past.step.dir, '--home', home, '--password-file', past.step.passwordFile]), /already holds a CA.*--force/);
      const stepConfig = readFileSync(past.step.configFile, 'utf8');
      assertOneLineError(await fedca(['init', '--from-step-ca', past.step.dir, '--home', past.step.dir, '--force', '--password-file', past.step.passwordFile]), /must not be the step-ca directory/);
      assert.equal(readFileSync(past.step.configFile, 'utf8'), stepConfig, "step-ca's ca.json untouched");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

function readdir(dir: string): string[] {
  return readdirSync(dir).sort();
}

describe("reading step-ca's database settings", () => {
  it('takes Go MySQL DSNs as step-ca writes them, the database key winning over the DSN\'s', async () => {
    const { parseMysqlDsn, postgresqlUrl } = await import('../src/home/stepCaDatabase.js');
    assert.deepEqual(parseMysqlDsn('root@tcp(127.0.0.1:3306)/', 'stepca'), { user: 'root', password: '', database: 'stepca', host: '127.0.0.1', port: 3306 });
    assert.deepEqual(parseMysqlDsn('step:s3cr3t@tcp(db.internal)/ca'), { user: 'step', password: 's3cr3t', database: 'ca', host: 'db.internal', port: 3306 });
    assert.deepEqual(parseMysqlDsn('u@unix(/run/mysqld/mysqld.sock)/ca'), { user: 'u', password: '', database: 'ca', socketPath: '/run/mysqld/mysqld.sock' });
    assert.throws(() => parseMysqlDsn('root@tcp(127.0.0.1:3306)/'), /names no database/);
    assert.throws(() => parseMysqlDsn('not a dsn'), /not a MySQL DSN/);
    assert.equal(postgresqlUrl('postgresql://u:p@127.0.0.1:5432/', 'stepca'), 'postgresql://u:p@127.0.0.1:5432/stepca');
    assert.equal(postgresqlUrl('postgresql://u@h/other', 'stepca'), 'postgresql://u@h/stepca');
    assert.throws(() => postgresqlUrl('host=127.0.0.1 user=postgres'), /PostgreSQL URLs/);
    assert.throws(() => postgresqlUrl('postgresql://u@h/'), /names no database/);
  });
});
