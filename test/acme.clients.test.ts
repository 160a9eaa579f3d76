import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseCertificate } from '../src/pki/certificate.js';
import { readProvisionerExtension, ProvisionerTypeCode } from '../src/pki/extensions.js';
import { OID } from '../src/pki/oids.js';
import { pemDers } from '../src/pki/pem.js';
import { TestDnsServer } from './helpers/dnsServer.js';
import { cleanEnv, type ExecResult } from './helpers/exec.js';
import { startTestCa, tempDir, type TestCa } from './helpers/testCa.js';

/** A client run gets this long before it is killed. */
const CLIENT_DEADLINE_MS = 120_000;

const running = new Set<ChildProcess>();

/** Runs a client to completion (killed after CLIENT_DEADLINE_MS). */
function run(command: string, args: readonly string[], env: Record<string, string>): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], timeout: CLIENT_DEADLINE_MS, killSignal: 'SIGKILL' });
    running.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      running.delete(child);
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

const ok = (r: ExecResult, what: string): void => assert.equal(r.status, 0, `${what} failed (${r.status}, ${r.signal}):\n${r.stdout}\n${r.stderr}`);

/**
 * The test's DNS zone `acme.test` and a little HTTP door to it, so that a client's
 * dns-01 hook (a shell script with curl) can publish its TXT record.
 */
class DnsControl {
  private constructor(
    readonly dns: TestDnsServer,
    private readonly http: Server,
  ) {}

  static async start(): Promise<DnsControl> {
    const dns = await TestDnsServer.start(['acme.test']);
    const http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const name = (url.searchParams.get('name') ?? '').replace(/\.$/, '');
      const value = url.searchParams.get('value') ?? '';
      if (url.pathname === '/present') dns.set(name, 'TXT', [value]);
      else if (url.pathname === '/cleanup') dns.set(name, 'TXT', []);
      res.end('ok\n');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new DnsControl(dns, http);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.dns.close();
  }
}

/** Writes an executable shell script. */
function script(file: string, body: string): string {
  writeFileSync(file, `#!/bin/sh\nset -e\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Asserts the chain verifies to the CA's root with openssl, and that the leaf names `name` and the ACME provisioner; resolves the leaf. */
async function assertIssued(ca: TestCa, chainFile: string, name: string, provisioner = 'acme'): Promise<X509Certificate> {
  const ders = pemDers(readFileSync(chainFile, 'utf8'));
  assert.ok(ders.length >= 1, `no certificate in ${chainFile}`);
  const dir = tempDir('fedca-acme-verify-');
  try {
    writeFileSync(join(dir, 'leaf.pem'), `-----BEGIN CERTIFICATE-----\n${ders[0].toString('base64')}\n-----END CERTIFICATE-----\n`);
    const verify = await run('openssl', ['verify', '-CAfile', ca.rootFile, '-untrusted', chainFile, join(dir, 'leaf.pem')], {});
    ok(verify, 'openssl verify');
    assert.match(verify.stdout, /leaf\.pem: OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const leaf = new X509Certificate(ders[0]);
  assert.match(String(leaf.subjectAltName), new RegExp(`DNS:${name.replace(/\./g, '\\.')}`));
  const ext = parseCertificate(ders[0]).extensions.find((e) => e.id === OID.stepProvisioner);
  assert.ok(ext, 'no provisioner extension');
  const ref = readProvisionerExtension(ext.value);
  assert.equal(ref.type, ProvisionerTypeCode.ACME);
  assert.equal(ref.name, provisioner);
  assert.ok((await ca.authority.store.acmeAccount(ref.credentialId))?.status, 'the credential id is not an account');
  assert.ok(await ca.authority.store.certificate(BigInt(`0x${leaf.serialNumber}`).toString(10)), 'not in the store');
  return leaf;
}

const serialOf = (leaf: X509Certificate): string => BigInt(`0x${leaf.serialNumber}`).toString(10);

describe('ACME with real clients: lego 4.9 and certbot 2.1 on 127.0.0.1 (ports 80 and 443)', function () {
  this.timeout(10 * 60_000);
  let ca: TestCa;
  let control: DnsControl;
  let work: string;
  let directory: string;

  before(async function () {
    const missing = ['lego', 'certbot', 'curl'].filter((c) => !['/usr/bin', '/usr/local/bin'].some((d) => existsSync(join(d, c))));
    if (missing.length) throw new Error(`missing ${missing.join(', ')}: install them (.ci/apt-packages)`);
    if (process.getuid?.() !== 0) this.skip();
    control = await DnsControl.start();
    for (const name of ['lego-http', 'lego-tls', 'lego-dns', 'lego-eab', 'certbot-http', 'certbot-dns', 'silent']) control.dns.setAddresses(`${name}.acme.test`, '127.0.0.1');
    ca = await startTestCa({
      editConfig: (c) => {
        const provisioners = (c.authority as { provisioners: Record<string, unknown>[] }).provisioners;
        provisioners.push({ type: 'ACME', name: 'acme', allowLoopback: true, resolvers: [control.dns.resolver] });
        provisioners.push({ type: 'ACME', name: 'eab', requireEAB: true, allowLoopback: true, resolvers: [control.dns.resolver] });
      },
    });
    directory = `https://127.0.0.1:${ca.port}/acme/acme/directory`;
    work = tempDir('fedca-acme-clients-');
  });

  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await ca?.stop();
    await control?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const legoEnv = (): Record<string, string> => ({ LEGO_CA_CERTIFICATES: ca.rootFile });
  const lego = (path: string, args: string[]): Promise<ExecResult> =>
    run('lego', ['--server', directory, '--accept-tos', '--email', 'ops@acme.test', '--path', path, ...args], legoEnv());

  it('lego: http-01 obtains, renews and revokes', async () => {
    const path = join(work, 'lego-http');
    const challenge = ['--domains', 'lego-http.acme.test', '--http', '--http.port', '127.0.0.1:80'];
    ok(await lego(path, [...challenge, 'run']), 'lego run');
    const first = await assertIssued(ca, join(path, 'certificates/lego-http.acme.test.crt'), 'lego-http.acme.test');
    ok(await lego(path, [...challenge, 'renew', '--days', '9999', '--no-random-sleep']), 'lego renew');
    const renewed = await assertIssued(ca, join(path, 'certificates/lego-http.acme.test.crt'), 'lego-http.acme.test');
    assert.notEqual(serialOf(renewed), serialOf(first), 'renew did not issue a new certificate');
    ok(await lego(path, [...challenge, 'revoke']), 'lego revoke');
    assert.ok(await ca.authority.store.revocation(serialOf(renewed)), 'the revocation was not recorded');
  });

  it('lego: tls-alpn-01 obtains a certificate', async () => {
    const path = join(work, 'lego-tls');
    ok(await lego(path, ['--domains', 'lego-tls.acme.test', '--tls', '--tls.port', '127.0.0.1:443', 'run']), 'lego run --tls');
    await assertIssued(ca, join(path, 'certificates/lego-tls.acme.test.crt'), 'lego-tls.acme.test');
  });

  it('lego: dns-01 through an exec hook that publishes the TXT record in the test DNS server', async () => {
    const path = join(work, 'lego-dns');
    const hook = script(join(work, 'lego-dns-hook.sh'), `curl -fsS "${control.url}/$1?name=$2&value=$3" >/dev/null`);
    const env = { ...legoEnv(), EXEC_PATH: hook, EXEC_POLLING_INTERVAL: '1', EXEC_PROPAGATION_TIMEOUT: '30' };
    const dns = ['--domains', 'lego-dns.acme.test', '--dns', 'exec', '--dns.resolvers', control.dns.resolver, '--dns.disable-cp'];
    const obtained = await run('lego', ['--server', directory, '--accept-tos', '--email', 'ops@acme.test', '--path', path, ...dns, 'run'], env);
    ok(obtained, 'lego run --dns exec');
    await assertIssued(ca, join(path, 'certificates/lego-dns.acme.test.crt'), 'lego-dns.acme.test');
  });

  it('lego with an EAB key from `fedca acme eab add`: refused without it (the directory says so), served with it', async () => {
    const server = `https://127.0.0.1:${ca.port}/acme/eab/directory`;
    const args = ['--server', server, '--accept-tos', '--email', 'ops@acme.test', '--domains', 'lego-eab.acme.test', '--http', '--http.port', '127.0.0.1:80'];
    const refused = await run('lego', [...args, '--path', join(work, 'lego-eab-none'), 'run'], legoEnv());
    assert.notEqual(refused.status, 0);
    // lego reads meta.externalAccountRequired from the directory and stops before asking.
    assert.match(refused.stdout + refused.stderr, /Server requires External Account Binding/);
    const added = await run('node', [join(process.cwd(), 'dist/src/cli/main.js'), 'acme', 'eab', 'add', '--home', ca.home, '--provisioner', 'eab', '--format', 'json'], {});
    ok(added, 'fedca acme eab add');
    const key = JSON.parse(added.stdout) as { keyId: string; hmacKey: string };
    const path = join(work, 'lego-eab');
    ok(await run('lego', [...args, '--path', path, '--eab', '--kid', key.keyId, '--hmac', key.hmacKey, 'run'], legoEnv()), 'lego run --eab');
    await assertIssued(ca, join(path, 'certificates/lego-eab.acme.test.crt'), 'lego-eab.acme.test', 'eab');
    assert.ok((await ca.authority.store.acmeEabKey(key.keyId))?.accountId, 'the EAB key was not bound to the account');
  });

  const certbotDirs = (name: string): string[] => ['--config-dir', join(work, name, 'config'), '--work-dir', join(work, name, 'work'), '--logs-dir', join(work, name, 'logs')];
  const certbot = (name: string, args: string[]): Promise<ExecResult> =>
    run('certbot', [...args, '--server', directory, ...certbotDirs(name), '--non-interactive', '--agree-tos', '--register-unsafely-without-email'], { REQUESTS_CA_BUNDLE: ca.rootFile });

  it('certbot: http-01 (standalone) obtains, renews and revokes', async () => {
    const standalone = ['--standalone', '--http-01-address', '127.0.0.1', '--http-01-port', '80', '-d', 'certbot-http.acme.test', '--cert-name', 'http'];
    ok(await certbot('certbot-http', ['certonly', ...standalone]), 'certbot certonly');
    const live = join(work, 'certbot-http/config/live/http');
    const first = await assertIssued(ca, join(live, 'fullchain.pem'), 'certbot-http.acme.test');
    ok(await certbot('certbot-http', ['certonly', ...standalone, '--force-renewal']), 'certbot renewal');
    const renewed = await assertIssued(ca, join(live, 'fullchain.pem'), 'certbot-http.acme.test');
    assert.notEqual(serialOf(renewed), serialOf(first));
    ok(await certbot('certbot-http', ['revoke', '--cert-path', join(live, 'cert.pem'), '--no-delete-after-revoke', '--reason', 'superseded']), 'certbot revoke');
    assert.equal((await ca.authority.store.revocation(serialOf(renewed)))?.reasonCode, 4);
  });

  it('certbot: dns-01 through a manual auth hook writing into the test DNS server', async () => {
    const hook = script(join(work, 'certbot-dns-hook.sh'), `curl -fsS "${control.url}/present?name=_acme-challenge.$CERTBOT_DOMAIN&value=$CERTBOT_VALIDATION" >/dev/null`);
    const cleanup = script(join(work, 'certbot-dns-cleanup.sh'), `curl -fsS "${control.url}/cleanup?name=_acme-challenge.$CERTBOT_DOMAIN" >/dev/null`);
    const args = ['certonly', '--manual', '--preferred-challenges', 'dns', '--manual-auth-hook', hook, '--manual-cleanup-hook', cleanup, '-d', 'certbot-dns.acme.test', '--cert-name', 'dns'];
    ok(await certbot('certbot-dns', args), 'certbot --manual dns');
    await assertIssued(ca, join(work, 'certbot-dns/config/live/dns/fullchain.pem'), 'certbot-dns.acme.test');
  });

  it('an unanswered challenge never yields a certificate: lego fails and the order is invalid', async () => {
    // Nobody listens on 127.0.0.1:80 for this name: lego's own server is told to listen elsewhere.
    const path = join(work, 'lego-silent');
    const failed = await lego(path, ['--domains', 'silent.acme.test', '--http', '--http.port', '127.0.0.1:8099', 'run']);
    assert.notEqual(failed.status, 0, 'lego obtained a certificate for an unanswered challenge');
    // Nothing listens on 127.0.0.1:80 once the earlier tests' clients have exited: the CA's connection is refused.
    assert.match(failed.stdout + failed.stderr, /urn:ietf:params:acme:error:connection/);
    const certs = join(path, 'certificates');
    assert.ok(!existsSync(certs) || !readdirSync(certs).some((f) => f.endsWith('.crt')), 'a certificate was written');
  });
});
