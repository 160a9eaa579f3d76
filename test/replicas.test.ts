import 'reflect-metadata';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { fingerprint } from '../src/pki/fingerprint.js';
import { pemDers } from '../src/pki/pem.js';
import { parseLog } from './helpers/accessLog.js';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { opensslCsr } from './helpers/csr.js';
import { exec } from './helpers/exec.js';
import { haproxyMissing, startHaproxy, type Haproxy } from './helpers/haproxy.js';
import { https } from './helpers/https.js';
import { issueCertificate, revokeCertificate } from './helpers/issued.js';
import { closedPort } from './helpers/ports.js';
import { createTestSchema, requirePostgres, type TestSchema } from './helpers/postgres.js';
import { skipUnless } from './helpers/requirements.js';
import { initTestHome, startTestCa, type CaEndpoint, type TestCa, type TestHome } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

/** A `fedca start` process of the shared home, and how to talk to it directly. */
interface Replica {
  readonly process: RunningCa;
  readonly endpoint: CaEndpoint;
}

/** What one request under load came to: a status, or the connection error a killed server leaves. */
type Outcome = { readonly status: number; readonly serial?: string } | { readonly error: string };

const endpointAt = (home: TestHome, port: number): CaEndpoint => ({
  home: home.home,
  url: `https://localhost:${port}`,
  port,
  password: home.password,
  rootPem: readFileSync(home.rootFile, 'utf8'),
  rootFingerprint: home.rootFingerprint,
});

/** How many outcomes of each status (or connection error) a run had, for the test's output. */
const countBy = (outcomes: readonly Outcome[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = 'status' in o ? String(o.status) : o.error;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

const serialOf = (pem: string): string => BigInt('0x' + new X509Certificate(pem).serialNumber).toString(10);

describe('replicas: several fedca processes on one PostgreSQL behind haproxy', function () {
  this.timeout(180_000);
  let schema: TestSchema;
  let home: TestHome;
  let replicas: Replica[] = [];
  let balancer: Haproxy;
  let front: CaEndpoint;
  let p: ProvisionerKey;
  const csr = opensslCsr('P-256', 'svc.internal');

  before(async function () {
    await requirePostgres(this);
    skipUnless(this, 'replica tests', haproxyMissing());
    schema = await createTestSchema();
    home = await initTestHome({ editConfig: (c) => (c.db = { type: 'postgresql', dataSource: schema.url }) });
    // Started together, so that they also race to migrate the new schema.
    const ports = [await closedPort(), await closedPort()];
    replicas = await Promise.all(
      ports.map(async (port) => {
        const process = await startFedca(['--home', home.home, '--password-file', home.passwordFile, '--workers', '1', '--address', `127.0.0.1:${port}`]);
        assert.equal(process.port, port, '--address was not used');
        return { process, endpoint: endpointAt(home, port) };
      }),
    );
    balancer = await startHaproxy(ports);
    front = endpointAt(home, balancer.port);
    p = await provisionerKey(front);
  });
  after(async () => {
    await balancer?.stop();
    await Promise.all(replicas.map((r) => r.process.stop('SIGKILL')));
    if (home) rmSync(home.home, { recursive: true, force: true });
    await schema?.drop();
  });

  /** Signs through `via` (a fresh connection, so haproxy balances each one); never rejects. */
  const signVia = async (via: CaEndpoint, ott?: string): Promise<Outcome> => {
    try {
      const res = await https(via, '/1.0/sign', { body: { csr: csr.csrPem, ott: ott ?? (await signToken(via, p, 'svc.internal')) } });
      return { status: res.status, serial: res.status === 201 ? serialOf(res.json<{ crt: string }>().crt) : undefined };
    } catch (err) {
      return { error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
    }
  };

  /**
   * Signs through the balancer from `clients` loops; `during` runs alongside (it
   * sees the outcomes so far and resolves where the outcomes after the disturbance
   * begin), then the load goes on until 20 signs succeeded after it (at most 2,000 requests).
   */
  const underLoad = async (clients: number, during: (outcomes: readonly Outcome[]) => Promise<number>): Promise<Outcome[]> => {
    const outcomes: Outcome[] = [];
    let done = false;
    const loops = Array.from({ length: clients }, async () => {
      while (!done && outcomes.length < 2_000) {
        outcomes.push(await signVia(front));
        if (outcomes.length >= 2_000) done = true;
      }
    });
    try {
      await until(() => succeeded(outcomes) >= 10 || outcomes.length >= 2_000, 'signs before the disturbance', 2_400);
      const after = await during(outcomes);
      await until(() => succeeded(outcomes.slice(after)) >= 20 || outcomes.length >= 2_000, 'signs after the disturbance', 2_400);
    } finally {
      done = true;
      await Promise.all(loops);
    }
    return outcomes;
  };

  const succeeded = (outcomes: readonly Outcome[]): number => outcomes.filter((o) => 'status' in o && o.status === 201).length;

  const signsLogged = (r: Replica): number => parseLog(r.process.stdout().split('\n')).filter((e) => e.path === '/1.0/sign').length;

  const storedSerials = async (serials: string[]): Promise<Set<string>> => {
    const rows = await schema.query<{ serial: string }>(`SELECT serial FROM ${schema.name}.issued_certificates WHERE serial = ANY($1)`, [serials]);
    return new Set(rows.rows.map((r) => r.serial));
  };

  it('one token sent 50 times at once, split across replicas: exactly one 201, the rest 401', async () => {
    const before = replicas.map(signsLogged);
    const ott = await signToken(front, p, 'svc.internal');
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => signVia(front, ott)));
    const statuses = outcomes.map((o) => ('status' in o ? o.status : o.error));
    assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 401).length, 49, JSON.stringify(statuses));
    await until(() => replicas.every((r, i) => signsLogged(r) > before[i]), 'both replicas to log signs');
  });

  it('issued and revoked on A: B answers revoked by OCSP and lists it on its CRL at the next request', async () => {
    const [a, b] = replicas.map((r) => r.endpoint);
    const cert = await issueCertificate(a, p, 'revoked.internal');
    const crlBefore = await https(b, '/crl?pem=true');
    assert.equal(crlBefore.status, 200);
    await revokeCertificate(a, p, cert.serial);
    const issuerFile = join(home.home, 'pki/intermediate_ca.crt');
    const ocsp = await exec('openssl', ['ocsp', '-issuer', issuerFile, '-serial', cert.serial, '-url', `${b.url}/1.0/ocsp`, '-CAfile', home.rootFile]);
    assert.match(ocsp.stdout + ocsp.stderr, new RegExp(`${cert.serial}: revoked`));
    const crl = new x509.X509Crl((await https(b, '/crl?pem=true')).body.toString());
    assert.ok(crl.entries.some((e) => BigInt('0x' + e.serialNumber).toString(10) === cert.serial), 'B\'s CRL does not list the serial A revoked');
  });

  it('B renews and rekeys a certificate A issued', async () => {
    const [a, b] = replicas.map((r) => r.endpoint);
    const cert = await issueCertificate(a, p, 'moving.internal');
    const chain = cert.certPem + readFileSync(join(home.home, 'pki/intermediate_ca.crt'), 'utf8');
    const renewed = await https(b, '/1.0/renew', { method: 'POST', cert: chain, key: cert.keyPem });
    assert.equal(renewed.status, 201, renewed.body.toString());
    const renewedPem = renewed.json<{ crt: string }>().crt;
    assert.notEqual(serialOf(renewedPem), cert.serial);
    const fresh = opensslCsr('P-256', 'moving.internal');
    const rekeyed = await https(b, '/1.0/rekey', { body: { csr: fresh.csrPem }, cert: chain, key: cert.keyPem });
    assert.equal(rekeyed.status, 201, rekeyed.body.toString());
    const stored = await storedSerials([serialOf(renewedPem), serialOf(rekeyed.json<{ crt: string }>().crt)]);
    assert.equal(stored.size, 2, 'the renewed and rekeyed certificates are in PostgreSQL');
  });

  it('PostgreSQL restarted under load: only 201 or 503 (or a cut connection), never a 500, and signing recovers by itself', async function () {
    skipUnless(
      this,
      'restarting the shared PostgreSQL',
      process.env.CI === 'true' || process.env.FEDCA_TEST_RESTART_POSTGRES === '1' ? undefined : 'it disturbs every other user of the machine\'s PostgreSQL; set FEDCA_TEST_RESTART_POSTGRES=1 (CI does it)',
    );
    const cluster = readdirSync('/etc/postgresql')[0];
    // Asynchronously: the load goes on while PostgreSQL stops and starts.
    const pgctl = async (action: string): Promise<void> => {
      const run = await exec('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', action, ...(action === 'restart' ? ['-m', 'fast'] : [])]);
      assert.equal(run.status, 0, run.stderr);
    };
    let outcomes: Outcome[];
    try {
      outcomes = await underLoad(4, async (sofar) => {
        const at = sofar.length;
        await pgctl('restart');
        return at;
      });
    } finally {
      // Whatever happened, leave PostgreSQL running for everyone else.
      if ((await exec('pg_isready', ['-h', '127.0.0.1', '-q'])).status !== 0) await pgctl('start');
    }
    const statuses = new Set(outcomes.map((o) => ('status' in o ? o.status : 'connection error')));
    process.stdout.write(`      outcomes: ${JSON.stringify(countBy(outcomes))}\n`);
    for (const s of statuses) assert.ok(s === 201 || s === 503 || s === 'connection error', `unexpected ${s} among ${[...statuses].join(', ')}`);
    const received = outcomes.flatMap((o) => ('serial' in o && o.serial ? [o.serial] : []));
    assert.equal((await storedSerials(received)).size, received.length, 'a certificate a client received is not in PostgreSQL');
  });

  it('kill -9 of one replica under sign load: every certificate a client received is in PostgreSQL, the survivor serves the rest', async () => {
    const [victim, survivor] = replicas;
    const survivorSigns = signsLogged(survivor);
    const outcomes = await underLoad(4, async (sofar) => {
      victim.process.child.kill('SIGKILL');
      return sofar.length;
    });
    const statuses = new Set(outcomes.map((o) => ('status' in o ? o.status : 'connection error')));
    process.stdout.write(`      outcomes: ${JSON.stringify(countBy(outcomes))}\n`);
    for (const s of statuses) assert.ok(s === 201 || s === 'connection error', `unexpected ${s} among ${[...statuses].join(', ')}`);
    const received = outcomes.flatMap((o) => ('serial' in o && o.serial ? [o.serial] : []));
    assert.equal((await storedSerials(received)).size, received.length, 'a certificate a client received is not in PostgreSQL');
    assert.ok(signsLogged(survivor) > survivorSigns, 'the survivor served signs');
  });
});

describe('replicas: federation peers synced by one replica are served by every replica', function () {
  this.timeout(120_000);
  let schema: TestSchema | undefined;
  let home: TestHome | undefined;
  let peer: TestCa | undefined;
  const started: RunningCa[] = [];

  before(async function () {
    await requirePostgres(this);
  });
  after(async () => {
    await Promise.all(started.map((r) => r.stop('SIGKILL')));
    await peer?.stop();
    if (home) rmSync(home.home, { recursive: true, force: true });
    await schema?.drop();
  });

  /** The fingerprints a replica lists on GET /federation. */
  const federationOf = async (endpoint: CaEndpoint): Promise<string[]> => {
    const res = await https(endpoint, '/federation');
    assert.equal(res.status, 200, res.body.toString('utf8'));
    return res.json<{ crts: string[] }>().crts.flatMap((pem) => pemDers(pem)).map(fingerprint);
  };

  const startReplica = async (shared: TestHome): Promise<CaEndpoint> => {
    const port = await closedPort();
    const replica = await startFedca(['--home', shared.home, '--password-file', shared.passwordFile, '--workers', '1', '--address', `127.0.0.1:${port}`]);
    started.push(replica);
    return endpointAt(shared, port);
  };

  it("a peer synced on replica A: replica B's /federation lists its root without fetching it again", async () => {
    peer = await startTestCa({ name: 'Peer' });
    const peerRoot = peer.rootFingerprint;
    schema = await createTestSchema();
    home = await initTestHome({
      editConfig: (c) => {
        c.db = { type: 'postgresql', dataSource: (schema as TestSchema).url };
        c.federation = { peers: [{ url: peer?.url, fingerprint: peerRoot }], refresh: '1h' };
      },
    });
    const a = await startReplica(home);
    await until(async () => (await federationOf(a)).includes(peerRoot), "replica A to sync the peer's root");
    const fetchesByA = (peer as TestCa).logLines.length;
    assert.ok(fetchesByA > 0, 'replica A fetched nothing from the peer');

    const b = await startReplica(home);
    await until(async () => (await federationOf(b)).includes(peerRoot), "replica B to serve the peer's root");
    assert.deepEqual((await federationOf(b)).sort(), (await federationOf(a)).sort());
    assert.equal((peer as TestCa).logLines.length, fetchesByA, 'replica B fetched the peer itself instead of reading what A synced');
  });
});
