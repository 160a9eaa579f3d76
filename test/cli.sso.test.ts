import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { decodeJwt } from 'jose';
import { chromium } from 'playwright-core';
import { provisionerListings } from './helpers/accessLog.js';
import { CLI } from './helpers/cli.js';
import { cleanEnv, type ExecResult } from './helpers/exec.js';
import { ACCOUNTS, startIdentityProvider, startSsoCa, type TestIdentityProvider } from './helpers/identityProvider.js';
import { skipUnless } from './helpers/requirements.js';
import { tempDir, type TestCa } from './helpers/testCa.js';

/** Debian's chromium, which playwright-core drives (it downloads no browser of its own). */
const CHROMIUM = '/usr/bin/chromium';

const LOGIN_URL = /^\s+(https:\/\/127\.0\.0\.1:\d+\/\S+)$/m;

/**
 * Runs `fedca ARGS` that logs in at the identity provider: once it prints the login
 * URL, `logIn(url)` plays the person; resolves how the command ended.
 */
function fedcaWithLogin(args: readonly string[], env: Record<string, string>, logIn: (url: string) => Promise<void>): Promise<ExecResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let login: Promise<void> | undefined;
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
    const url = LOGIN_URL.exec(stderr)?.[1];
    if (url && !login) login = logIn(url);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      if (!login) return resolve({ status, signal, stdout, stderr });
      login.then(() => resolve({ status, signal, stdout, stderr }), reject);
    });
  });
}

describe('fedca CLI: single sign-on (--provisioner sso)', function () {
  this.timeout(120_000);
  let idp: TestIdentityProvider;
  let ca: TestCa;
  let dir: string;
  let env: Record<string, string>;
  let caFlags: string[];

  before(async () => {
    idp = await startIdentityProvider(ACCOUNTS);
    ca = await startSsoCa(idp);
    dir = tempDir('fedca-sso-cli-');
    // The IdP's HTTPS is trusted the way a private IdP is: NODE_EXTRA_CA_CERTS.
    env = { NODE_EXTRA_CA_CERTS: idp.caFile, FEDCA_CLIENT_HOME: join(dir, 'client-home'), DISPLAY: '' };
    caFlags = ['--ca-url', ca.url, '--root', ca.rootFile];
  });
  after(async () => {
    await ca?.stop();
    await idp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fedca certificate EMAIL ... --provisioner sso: from the printed URL through a login in headless Chromium to the saved certificate', async function () {
    skipUnless(this, 'the headless-browser login', existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (Debian package chromium)`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      page.setDefaultTimeout(40_000);
      const crt = join(dir, 'alice.crt');
      const key = join(dir, 'alice.key');
      const run = await fedcaWithLogin(['certificate', 'alice@corp.example', crt, key, '--provisioner', 'sso', '--profile', 'openvpn-client', ...caFlags], env, async (url) => {
        await page.goto(url);
        await page.fill('input[name="login"]', 'alice');
        await page.fill('input[name="password"]', 'correct horse');
        await page.click('button[type="submit"]');
        await page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' });
        await page.click('button[type="submit"]');
        await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\//);
        assert.match(await page.textContent('body') ?? '', /Logged in/);
      });
      assert.equal(run.status, 0, run.stderr);
      const cert = new x509.X509Certificate(readFileSync(crt, 'utf8'));
      assert.equal(cert.subject, 'CN=alice@corp.example');
      assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], ['1.3.6.1.5.5.7.3.2']);
      assert.match(run.stdout, /Your certificate has been saved/);
    } finally {
      await browser.close();
    }
  });

  it('fedca token EMAIL --provisioner sso prints the ID token of the login', async () => {
    const from = ca.logLines.length;
    const run = await fedcaWithLogin(['token', 'olga@corp.example', '--provisioner', 'sso', ...caFlags], env, (url) => idp.logIn(url, 'olga'));
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(provisionerListings(ca.logLines.slice(from)), ['/provisioners'], 'the provisioners are listed once');
    const claims = decodeJwt(run.stdout.trim());
    assert.deepEqual([claims.iss, claims.email, claims.groups], [idp.issuer, 'olga@corp.example', ['staff', 'vpn-admins']]);
  });

  it('fedca export openvpn-client NAME --provisioner sso: an inline profile for the person who logged in', async () => {
    const out = join(dir, 'alice.ovpn');
    const run = await fedcaWithLogin(['export', 'openvpn-client', 'alice@corp.example', '--remote', 'vpn.corp.example:1194', '--out', out, '--provisioner', 'sso', ...caFlags], env, (url) => idp.logIn(url, 'alice'));
    assert.equal(run.status, 0, run.stderr);
    const profile = readFileSync(out, 'utf8');
    const certPem = /<cert>\n([\s\S]*?)<\/cert>/.exec(profile)?.[1] ?? '';
    assert.equal(new x509.X509Certificate(certPem.split(/(?<=-----END CERTIFICATE-----)/)[0]).subject, 'CN=alice@corp.example');
  });

  it('a person whose groups allow no such profile gets one line on stderr and nothing written', async () => {
    const crt = join(dir, 'server.crt');
    const run = await fedcaWithLogin(['certificate', 'alice@corp.example', crt, join(dir, 'server.key'), '--provisioner', 'sso', '--profile', 'openvpn-server', ...caFlags], env, (url) => idp.logIn(url, 'alice'));
    assert.notEqual(run.status, 0);
    const lines = run.stderr.trim().split('\n').filter((l) => l.startsWith('fedca: '));
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], /does not allow the openvpn-server profile/);
    assert.throws(() => readFileSync(crt));
  });
});
