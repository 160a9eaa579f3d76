import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CaClient } from '../src/sdk/caClient.js';
import { ManagementAuthError } from '../src/openvpn/errors.js';
import { OcspChecker } from '../src/sdk/ocspChecker.js';
import { OpenvpnAgent, type AgentLogRecord } from '../src/openvpn/agent.js';
import { parseManagementAddress } from '../src/openvpn/managementAddress.js';
import { listedClient, startFakeManagement, type FakeManagement } from './helpers/fakeManagement.js';
import { issueCertificate, revokeCertificate, type IssuedCertificate } from './helpers/issued.js';
import { closedPort } from './helpers/ports.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, type ProvisionerKey } from './helpers/tokens.js';
import { eventually } from './helpers/wait.js';

/** A CLIENT notification block as OpenVPN writes it. */
const block = (header: string, env: Readonly<Record<string, string>>): string =>
  [header, ...Object.entries(env).map(([k, v]) => `>CLIENT:ENV,${k}=${v}`), '>CLIENT:ENV,END'].map((l) => l + '\r\n').join('');

/** The ENV OpenVPN 2.6 passes for a client certificate issued by the test CA's intermediate. */
const envOf = (cert: IssuedCertificate): Record<string, string> => ({
  common_name: cert.commonName,
  password: 'not-logged',
  tls_serial_0: cert.serial,
  X509_0_CN: cert.commonName,
  X509_1_CN: 'Test Intermediate CA',
});

describe('OpenvpnAgent against a management interface stand-in', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let client: CaClient;
  let good: IssuedCertificate;
  let revoked: IssuedCertificate;
  const running: { agent: OpenvpnAgent; management: FakeManagement }[] = [];

  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
    client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
    good = await issueCertificate(ca, p, 'alice');
    revoked = await issueCertificate(ca, p, 'mallory');
    await revokeCertificate(ca, p, revoked.serial, 1);
  });
  afterEach(async () => {
    for (const { agent, management } of running.splice(0)) {
      agent.stop();
      await management.stop();
    }
  });
  after(async () => {
    client.close();
    await ca.stop();
  });

  /** Starts a stand-in and an agent connected to it; resolves once the agent has logged in and reconciled. */
  async function start(options: { password?: string; clients?: () => string[][]; caClient?: CaClient; path?: string } = {}) {
    const management = await startFakeManagement(options);
    const logs: AgentLogRecord[] = [];
    const agent = new OpenvpnAgent({
      management: parseManagementAddress(management.address),
      password: options.password,
      statuses: new OcspChecker(options.caClient ?? client),
      recheckMs: 200,
      log: (r) => logs.push(r),
      initialBackoffMs: 20,
    });
    running.push({ agent, management });
    const run = agent.run();
    run.catch(() => undefined);
    await management.waitForCommand(/^status 3$/);
    const logged = (event: string, match: (r: AgentLogRecord) => boolean = () => true): Promise<AgentLogRecord> =>
      eventually(() => logs.find((r) => r.event === event && match(r)), `a "${event}" log record`);
    return { management, agent, logs, run, logged };
  }

  it('answers the password prompt, then approves a good certificate and denies a revoked one with the reasons', async () => {
    const { management, logged } = await start({ password: 'pw "with" spaces' });
    management.write('>LOG:1101519562,I,noise\r\n' + block('>CLIENT:CONNECT,0,1', envOf(good)) + '>BYTECOUNT_CLI:0,1,2\r\n');
    assert.equal(await management.waitForCommand(/^client-auth-nt /), 'client-auth-nt 0 1');
    management.write(block('>CLIENT:CONNECT,1,1', envOf(revoked)));
    const deny = await management.waitForCommand(/^client-deny 1 /);
    assert.match(deny, new RegExp(`^client-deny 1 1 "fedca: serial ${revoked.serial}: revoked at [^"]+ \\(keyCompromise\\)" "certificate revoked"$`));
    const record = await logged('connect', (r) => r.cid === 1);
    assert.deepEqual(
      { cn: record.cn, serial: record.serial, verdict: record.verdict, action: record.action },
      { cn: 'mallory', serial: revoked.serial, verdict: 'revoked', action: 'client-deny' },
    );
    assert.ok(!JSON.stringify(await logged('connect', (r) => r.cid === 0)).includes('not-logged'), 'ENV values such as the password are not logged');
  });

  it('denies a certificate the CA does not know, one of another issuer, and a client without a serial', async () => {
    const { management } = await start();
    management.write(block('>CLIENT:CONNECT,2,1', { ...envOf(good), tls_serial_0: '4242' }));
    assert.match(await management.waitForCommand(/^client-deny 2 /), /"certificate not known to the CA"$/);
    management.write(block('>CLIENT:CONNECT,3,1', { ...envOf(good), X509_1_CN: 'Other Intermediate CA' }));
    assert.match(await management.waitForCommand(/^client-deny 3 /), /not an intermediate of the CA.*"certificate not known to the CA"$/);
    management.write(block('>CLIENT:CONNECT,4,1', { common_name: 'nobody' }));
    assert.match(await management.waitForCommand(/^client-deny 4 /), /no client certificate serial/);
  });

  it('fails closed when the CA cannot be reached, and says why', async () => {
    const nowhere = new CaClient({ caUrl: `https://127.0.0.1:${await closedPort()}`, rootPem: ca.rootPem });
    try {
      const { management, logged } = await start({ caClient: nowhere });
      management.write(block('>CLIENT:CONNECT,5,1', envOf(good)));
      assert.match(await management.waitForCommand(/^client-deny 5 /), /"certificate status could not be checked"$/);
      const record = await logged('connect', (r) => r.cid === 5);
      assert.equal(record.verdict, 'unanswerable');
      assert.match(String(record.reason), /no answer from the CA: .*cannot reach the CA at https:\/\/127\.0\.0\.1/);
    } finally {
      nowhere.close();
    }
  });

  it('kills an established client once its certificate is revoked', async () => {
    const victim = await issueCertificate(ca, p, 'bob');
    const { management, logged } = await start();
    management.write(block('>CLIENT:ESTABLISHED,6', envOf(victim)) + block('>CLIENT:ESTABLISHED,7', envOf(good)));
    management.write(block('>CLIENT:DISCONNECT,7', { common_name: 'alice' }));
    await revokeCertificate(ca, p, victim.serial, 4);
    assert.equal(await management.waitForCommand(/^client-kill /), 'client-kill 6');
    const record = await logged('recheck', (r) => r.cid === 6);
    assert.equal(record.verdict, 'revoked');
    assert.match(String(record.reason), /superseded/);
  });

  it('on a REAUTH of a revoked certificate, denies the new key and kills the session', async () => {
    const { management } = await start();
    management.write(block('>CLIENT:REAUTH,8,2', envOf(revoked)));
    await management.waitForCommand(/^client-deny 8 2 /);
    assert.equal(await management.waitForCommand(/^client-kill /), 'client-kill 8');
  });

  it('after connecting, disconnects clients it never saw connect (no serial to recheck)', async () => {
    const { management, logged } = await start({ clients: () => [listedClient(99, 'stranger')] });
    assert.equal(await management.waitForCommand(/^client-kill /), 'client-kill 99');
    assert.equal((await logged('reconcile')).verdict, 'unverifiable');
  });

  it('reconnects after the connection drops mid-block, never acting on the half block', async () => {
    const { management, logged } = await start();
    const whole = block('>CLIENT:CONNECT,9,1', envOf(good));
    management.write(whole.slice(0, whole.indexOf('tls_serial_0')));
    await eventually(() => (management.commands.length === 1 ? true : undefined));
    management.drop();
    await logged('management-disconnected');
    await eventually(() => (management.logins() === 2 ? true : undefined), 'a second login');
    const from = management.commands.length;
    management.write(block('>CLIENT:CONNECT,10,1', envOf(good)));
    assert.equal(await management.waitForCommand(/^client-/, from), 'client-auth-nt 10 1');
    assert.ok(!management.commands.some((c) => c.startsWith('client-auth-nt 9')), 'nothing answered for the half block');
  });

  it('talks to a management interface on a unix socket', async () => {
    const dir = tempDir('fedca-management-');
    try {
      const { management } = await start({ path: join(dir, 'management.sock') });
      management.write(block('>CLIENT:CONNECT,11,1', envOf(good)));
      assert.equal(await management.waitForCommand(/^client-/), 'client-auth-nt 11 1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('releases an OpenVPN held for its management client', async () => {
    const { management } = await start();
    management.write('>HOLD:Waiting for hold release:0\r\n');
    await management.waitForCommand(/^hold release$/);
  });

  it('stops with an error when the password is refused', async () => {
    const management = await startFakeManagement({ password: 'right' });
    const agent = new OpenvpnAgent({ management: parseManagementAddress(management.address), password: 'wrong', statuses: new OcspChecker(client), recheckMs: 1000, log: () => undefined });
    running.push({ agent, management });
    await assert.rejects(agent.run(), (err: Error) => err instanceof ManagementAuthError && /refused the password/.test(err.message));
  });
});
