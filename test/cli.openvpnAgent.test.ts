import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { assertOneLine, fedca } from './helpers/cli.js';
import { startCliDaemon, type CliDaemon } from './helpers/cliDaemon.js';
import { startFakeManagement, type FakeManagement } from './helpers/fakeManagement.js';
import { https } from './helpers/https.js';
import { issueCertificate, revokeCertificate, type IssuedCertificate } from './helpers/issued.js';
import { clientLines, HANDSHAKE_MS, INITIALIZED, requireOpenvpn, startOpenvpnClient, startOpenvpnServer, stopAllOpenvpn, type OpenvpnServer } from './helpers/openvpn.js';
import { miniPki } from './helpers/miniPki.js';
import { closedPort } from './helpers/ports.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcpProxy.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

/** How often the agent rechecks established clients in these tests. */
const RECHECK_MS = 1_000;

/** A running `fedca openvpn-agent` and the JSON records it printed. */
const startAgent = (args: readonly string[]): CliDaemon => startCliDaemon(['openvpn-agent', ...args]);

describe('fedca openvpn-agent: errors and signals', () => {
  let dir: string;
  let rootFile: string;
  const management: FakeManagement[] = [];
  before(() => {
    dir = tempDir('fedca-openvpn-agent-cli-');
    rootFile = join(dir, 'root.pem');
    writeFileSync(rootFile, miniPki('Agent').rootPem);
    writeFileSync(join(dir, 'wrong.pw'), 'wrong\n');
    writeFileSync(join(dir, 'right.pw'), 'right\r\nsecond line\n');
  });
  after(async () => {
    for (const m of management) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const caFlags = (): string[] => ['--ca-url', 'https://127.0.0.1:1', '--root', rootFile];
  const fake = async (password: string): Promise<FakeManagement> => {
    const m = await startFakeManagement({ password });
    management.push(m);
    return m;
  };

  it('says in one line what is wrong with --management, the password file, or the password', async () => {
    const bad = await fedca(['openvpn-agent', ...caFlags(), '--management', 'localhost']);
    assert.notEqual(bad.status, 0);
    assertOneLine(bad.stderr);
    assert.match(bad.stderr, /HOST:PORT or unix:PATH/);
    const missing = await fedca(['openvpn-agent', ...caFlags(), '--management', '127.0.0.1:1', '--management-password-file', join(dir, 'none.pw')]);
    assert.notEqual(missing.status, 0);
    assertOneLine(missing.stderr);
    assert.match(missing.stderr, /cannot read the management password file/);
    const refused = await fedca(['openvpn-agent', ...caFlags(), '--management', (await fake('right')).address, '--management-password-file', join(dir, 'wrong.pw')]);
    assert.equal(refused.status, 1);
    assertOneLine(refused.stderr);
    assert.match(refused.stderr, /^fedca: the management interface at 127\.0\.0\.1:\d+ refused the password/);
    const none = await fedca(['openvpn-agent', ...caFlags(), '--management', (await fake('right')).address]);
    assertOneLine(none.stderr);
    assert.match(none.stderr, /asks for a password, and none was given/);
    const exposed = await fedca(['openvpn-agent', ...caFlags(), '--management', '127.0.0.1:1', '--share', '0.0.0.0:7505']);
    assert.notEqual(exposed.status, 0);
    assertOneLine(exposed.stderr);
    assert.match(exposed.stderr, /--share listens on a unix socket or a loopback address only, not 0\.0\.0\.0:7505/);
  });

  it('logs in with the first line of the password file, and stops on SIGTERM with exit code 0', async () => {
    const agent = startAgent([...caFlags(), '--management', (await fake('right')).address, '--management-password-file', join(dir, 'right.pw')]);
    await agent.waitFor((r) => r.event === 'management-connected');
    assert.equal(await agent.stop(), 0);
    assert.equal(agent.records.at(-1)?.event, 'stopping');
  });
});

/** A management tool connected to the agent's --share socket: its greeting, and one command at a time. */
async function sharedTool(path: string): Promise<{ greeting: string; ask(command: string, end: RegExp): Promise<string>; close(): void }> {
  const socket = createConnection({ path });
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('data', (t: string) => (buffer += t));
  const take = async (end: RegExp): Promise<string> => {
    await until(() => end.test(buffer), `a reply ending in ${end}`);
    const match = end.exec(buffer) as RegExpExecArray;
    const reply = buffer.slice(0, match.index + match[0].length);
    buffer = buffer.slice(match.index + match[0].length).replace(/^\r?\n/, '');
    return reply.replace(/\r/g, '');
  };
  const greeting = await take(/^>INFO:.*$/m);
  return {
    greeting,
    ask: async (command, end) => {
      socket.write(`${command}\n`);
      return take(end);
    },
    close: () => socket.destroy(),
  };
}

describe('fedca openvpn-agent with real OpenVPN 2.6 (--management-client-auth)', function () {
  this.timeout(60_000);
  let ca: TestCa;
  let p: ProvisionerKey;
  let dir: string;
  let proxy: TcpProxy;
  let server: OpenvpnServer;
  let serverLines: string[];
  let agent: CliDaemon;

  /** Issues a client certificate and writes it and its key into the working directory. */
  async function clientFiles(cn: string): Promise<IssuedCertificate & { cert: string; key: string }> {
    const issued = await issueCertificate(ca, p, cn);
    writeFileSync(join(dir, `${cn}.crt`), issued.certPem);
    writeFileSync(join(dir, `${cn}.key`), issued.keyPem, { mode: 0o600 });
    return { ...issued, cert: `${cn}.crt`, key: `${cn}.key` };
  }

  const connect = (files: { cert: string; key: string }) => startOpenvpnClient({ cwd: dir, lines: clientLines(server, { ca: 'ca.pem', ...files }) });
  const decision = (cn: string, from = 0) => agent.waitFor((r) => r.event === 'connect' && r.cn === cn, from);

  before(async function () {
    await requireOpenvpn(this);
    ca = await startTestCa();
    p = await provisionerKey(ca);
    dir = tempDir('fedca-openvpn-agent-');
    writeFileSync(join(dir, 'ca.pem'), ca.rootPem + readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8'));
    const vpnServer = await issueCertificate(ca, p, 'vpn.internal');
    writeFileSync(join(dir, 'server.crt'), vpnServer.certPem);
    writeFileSync(join(dir, 'server.key'), vpnServer.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'management.pw'), 'management "secret"\n', { mode: 0o600 });
    proxy = await startTcpProxy(ca.port);
    const managementPort = await closedPort();
    serverLines = [
      'ca ca.pem',
      'cert server.crt',
      'key server.key',
      'dh none',
      `management 127.0.0.1 ${managementPort} management.pw`,
      'management-client-auth',
      // OpenVPN 2.6 with --management-client-auth otherwise insists on a username and password.
      'auth-user-pass-optional',
    ];
    server = await startOpenvpnServer({ cwd: dir, extraLines: serverLines });
    agent = startAgent([
      '--ca-url', `https://127.0.0.1:${proxy.port}`,
      '--root', ca.rootFile,
      '--management', `127.0.0.1:${managementPort}`,
      '--management-password-file', join(dir, 'management.pw'),
      '--recheck', `${RECHECK_MS}ms`,
      '--share', `unix:${join(dir, 'shared.sock')}`,
    ]);
    await agent.waitFor((r) => r.event === 'management-connected');
  });

  after(async () => {
    await agent?.stop();
    await stopAllOpenvpn();
    await proxy?.stop();
    await ca?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('admits a client whose certificate is good', async () => {
    const alice = await clientFiles('alice');
    const client = connect(alice);
    await client.waitFor(INITIALIZED);
    const record = await decision('alice');
    assert.deepEqual([record.serial, record.verdict, record.action], [alice.serial, 'good', 'client-auth-nt']);
    await client.stop();
  });

  it('--share: a second management client runs status through the agent while the agent admits clients, and cannot admit or deny one itself', async () => {
    const dave = await clientFiles('dave');
    const client = connect(dave);
    await client.waitFor(INITIALIZED);
    const tool = await sharedTool(join(dir, 'shared.sock'));
    try {
      assert.match(tool.greeting, /^>INFO:OpenVPN Management Interface Version 5 -- shared by fedca openvpn-agent/);
      const status = await tool.ask('status 2', /^END$/m);
      assert.match(status, /^HEADER,CLIENT_LIST,/m);
      assert.match(status, /^CLIENT_LIST,dave,/m);
      assert.match(await tool.ask('pid', /^(SUCCESS|ERROR):.*$/m), /^SUCCESS: pid=\d+/);
      for (const command of ['client-auth-nt 99 1', 'client-deny 99 1 "no"', 'CLIENT-AUTH 99 1']) {
        assert.match(await tool.ask(command, /^ERROR:.*$/m), /^ERROR: (client-auth-nt|client-deny|client-auth) is reserved to fedca openvpn-agent: clients are admitted or denied by the CA's answer$/);
      }
      assert.match(await tool.ask('bogus-command', /^ERROR:.*$/m), /^ERROR: unknown command/);
      // The agent kept deciding meanwhile.
      const erin = await clientFiles('erin');
      const second = connect(erin);
      await second.waitFor(INITIALIZED);
      assert.equal((await decision('erin')).action, 'client-auth-nt');
      await second.stop();
    } finally {
      tool.close();
      await client.stop();
    }
  });

  it('treats a revoked lineage like any revocation: the renewed certificate of a line revoked at its first serial is denied', async () => {
    const frank = await clientFiles('frank');
    const renewed = await https(ca, '/1.0/renew', { method: 'POST', cert: frank.certPem, key: frank.keyPem });
    assert.equal(renewed.status, 201, renewed.body.toString());
    writeFileSync(join(dir, 'frank-renewed.crt'), renewed.json<{ crt: string }>().crt);
    const ott = await signToken(ca, p, frank.serial, { aud: `${ca.url}/1.0/revoke`, sans: undefined });
    const revoked = await https(ca, '/1.0/revoke', { body: { serial: frank.serial, ott, reasonCode: 3, lineage: true } });
    assert.equal(revoked.status, 200, revoked.body.toString());
    assert.equal(revoked.json<{ revoked: string[] }>().revoked.length, 2);
    const from = agent.records.length;
    const client = connect({ cert: 'frank-renewed.crt', key: frank.key });
    await client.waitFor(/AUTH_FAILED,certificate revoked/);
    assert.equal((await decision('frank', from)).verdict, 'revoked');
    await client.stop();
  });

  it('denies a revoked client at connect, with the reason in its log (AUTH_FAILED)', async () => {
    const mallory = await clientFiles('mallory');
    await revokeCertificate(ca, p, mallory.serial, 1);
    const from = server.mark();
    const client = connect(mallory);
    await client.waitFor(/AUTH_FAILED,certificate revoked/);
    assert.ok(!client.logged(INITIALIZED), 'never connected');
    assert.match(await server.waitFor(/connection rejected/, HANDSHAKE_MS, from), new RegExp(`fedca: serial ${mallory.serial}: revoked at .* \\(keyCompromise\\)`));
    assert.deepEqual([(await decision('mallory')).verdict, (await decision('mallory')).action], ['revoked', 'client-deny']);
    await client.stop();
  });

  it(`disconnects a connected client within --recheck plus a second of its revocation`, async () => {
    const bob = await clientFiles('bob');
    const client = connect(bob);
    await client.waitFor(INITIALIZED);
    const from = client.mark();
    await revokeCertificate(ca, p, bob.serial, 4);
    await client.waitFor(/server-pushed-connection-reset/, RECHECK_MS + 1_000, from);
    assert.equal((await agent.waitFor((r) => r.event === 'recheck' && r.cn === 'bob')).action, 'client-kill');
    // It comes back, and is turned away at the door.
    await client.waitFor(/AUTH_FAILED,certificate revoked/, HANDSHAKE_MS, from);
    await client.stop();
  });

  it('reconnects to an OpenVPN restarted mid-run and keeps deciding', async () => {
    const from = agent.records.length;
    await server.stop();
    await agent.waitFor((r) => r.event === 'management-disconnected', from);
    server = await startOpenvpnServer({ cwd: dir, extraLines: serverLines });
    await agent.waitFor((r) => r.event === 'management-connected', from);
    const carol = await clientFiles('carol');
    const client = connect(carol);
    await client.waitFor(INITIALIZED);
    assert.equal((await decision('carol', from)).verdict, 'good');
    await client.stop();
  });

  it('denies new clients while the CA is unreachable (fail closed), says why, and admits them again once it is back', async () => {
    const dave = await clientFiles('dave');
    await proxy.cut();
    let from = agent.records.length;
    const denied = connect(dave);
    await denied.waitFor(/AUTH_FAILED,certificate status could not be checked/);
    const record = await decision('dave', from);
    assert.equal(record.verdict, 'unanswerable');
    assert.match(String(record.reason), /no answer from the CA: .*cannot reach the CA at https:\/\/127\.0\.0\.1:\d+/);
    await denied.stop();
    await proxy.restore();
    from = agent.records.length;
    const admitted = connect(dave);
    await admitted.waitFor(INITIALIZED);
    assert.equal((await decision('dave', from)).verdict, 'good');
    await admitted.stop();
  });
});
