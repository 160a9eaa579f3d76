import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pemDers } from '../src/pki/pem.js';
import { parseCrl } from '../src/pki/readCrl.js';
import { assertSucceeded, fedca } from './helpers/cli.js';
import { startCliDaemon, type CliDaemon } from './helpers/cliDaemon.js';
import { revokeCertificate } from './helpers/issued.js';
import { HANDSHAKE_MS, INITIALIZED, requireOpenvpn, startOpenvpnClient, startOpenvpnServer, stopAllOpenvpn, type OpenvpnServer } from './helpers/openvpn.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';
import { provisionerKey } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

/** The serial (decimal) of the certificate inlined in a .ovpn profile. */
const profileSerial = (file: string): string =>
  BigInt('0x' + new X509Certificate(/<cert>\n([\s\S]*?)<\/cert>/.exec(readFileSync(file, 'utf8'))?.[1] ?? '').serialNumber).toString(10);

describe('real OpenVPN whose crl-verify file fedca crl --watch keeps', function () {
  let ca: TestCa;
  let dir: string;
  let serverDir: string;
  let server: OpenvpnServer;
  let watcher: CliDaemon;
  const caFlags = (): string[] => ['--ca-url', ca.url, '--root', ca.rootFile, '--password-file', ca.passwordFile];
  const exportClient = async (name: string): Promise<string> => {
    const out = join(dir, `${name}.ovpn`);
    assertSucceeded(await fedca(['export', 'openvpn-client', name, '--remote', `127.0.0.1:${server.port}`, '--out', out, ...caFlags()]));
    return out;
  };

  before(async function () {
    await requireOpenvpn(this);
    // CRLs backdated a minute and valid 80 s: each lapses about 20 s after it is built.
    ca = await startTestCa({ editConfig: (c) => (c.crl = { enabled: true, cacheDuration: '80s' }) });
    dir = tempDir('fedca-openvpn-crl-');
    serverDir = join(dir, 'server');
    assertSucceeded(await fedca(['export', 'openvpn-server', 'vpn.test', '--out', serverDir, ...caFlags()]));
    watcher = startCliDaemon(['crl', '--watch', '--pem', '--out', join(serverDir, 'crl.pem'), '--ca-url', ca.url, '--root', ca.rootFile]);
    await watcher.waitFor((r) => r.event === 'written' || r.event === 'unchanged', 0, 15_000);
    server = await startOpenvpnServer({ cwd: serverDir, include: 'server.conf' });
  });
  after(async () => {
    await stopAllOpenvpn();
    await watcher?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (ca) await ca.stop();
  });

  it('a revocation reaches crl.pem and the revoked client is refused on its next connection', async () => {
    const profile = await exportClient('client-revoked');
    const first = startOpenvpnClient({ cwd: dir, profile });
    await first.waitFor(INITIALIZED);
    await first.stop();

    const serial = profileSerial(profile);
    await revokeCertificate(ca, await provisionerKey(ca), serial);
    await until(() => parseCrl(pemDers(readFileSync(join(serverDir, 'crl.pem'), 'utf8'), 'X509 CRL')[0]).serials.includes(BigInt(serial)), 'the revocation to reach crl.pem');

    const from = server.mark();
    const second = startOpenvpnClient({ cwd: dir, profile });
    await server.waitFor(/VERIFY ERROR: depth=0, error=certificate revoked: CN=client-revoked/, HANDSHAKE_MS, from);
    assert.ok(!second.logged(INITIALIZED), 'the revoked client never completed');
    await second.stop();
  });

  it('clients keep connecting past the first CRL\'s nextUpdate: the file is replaced before it lapses', async function () {
    this.timeout(120_000);
    const firstCrl = parseCrl(pemDers(readFileSync(join(serverDir, 'crl.pem'), 'utf8'), 'X509 CRL')[0]);
    const lapse = firstCrl.nextUpdate?.getTime() ?? 0;
    assert.ok(lapse > 0, 'the CRL has a nextUpdate');
    await until(() => Date.now() > lapse + 2_000, 'the first CRL to lapse', 1_200);
    const kept = parseCrl(pemDers(readFileSync(join(serverDir, 'crl.pem'), 'utf8'), 'X509 CRL')[0]);
    assert.ok((kept.nextUpdate?.getTime() ?? 0) > Date.now(), 'crl.pem holds a CRL that has not lapsed');
    assert.ok((kept.crlNumber ?? 0n) > (firstCrl.crlNumber ?? 0n));

    const from = server.mark();
    const client = startOpenvpnClient({ cwd: dir, profile: await exportClient('client-later') });
    await client.waitFor(INITIALIZED);
    assert.ok(!server.logged(/CRL has expired|CRL.*expired/i, from), 'OpenVPN never saw a lapsed CRL');
    await client.stop();
  });
});
