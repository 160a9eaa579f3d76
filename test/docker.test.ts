import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { parseAddress } from '../src/config/address.js';
import { validateConfig } from '../src/config/load.js';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { exec } from './helpers/exec.js';
import { editConfig, initTestHome, type TestHome } from './helpers/testCa.js';

/**
 * There is no Docker engine here, so this reads the Dockerfile and runs what can run
 * without one: its HEALTHCHECK command against a real CA, and its FEDCA_INIT_* defaults.
 */
const DOCKERFILE = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
const instructions: string[] = DOCKERFILE.replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const withKeyword = (keyword: string): string[] => instructions.filter((l) => l.startsWith(keyword + ' ')).map((l) => l.slice(keyword.length + 1).trim());

/** The runtime stage's ENV assignments. */
function runtimeEnv(): Record<string, string> {
  const lastFrom = instructions.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  const env: Record<string, string> = {};
  for (const line of instructions.slice(lastFrom)) {
    if (!line.startsWith('ENV ')) continue;
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [key, value] = pair.split('=');
      env[key] = value;
    }
  }
  return env;
}

describe('Dockerfile', () => {
  it('builds in one stage and runs in a slim one as a non-root user, with FEDCA_HOME as a volume', () => {
    const froms = withKeyword('FROM');
    assert.equal(froms.length, 2);
    assert.match(froms[0], /^node:20-bookworm AS build$/);
    assert.match(froms[1], /^node:20-bookworm-slim/);
    const users = withKeyword('USER');
    assert.deepEqual(users, ['node']);
    const env = runtimeEnv();
    assert.ok(env.FEDCA_HOME, 'FEDCA_HOME is not set');
    assert.ok(withKeyword('VOLUME').some((v) => v.includes(env.FEDCA_HOME)), 'FEDCA_HOME is not a volume');
    assert.deepEqual(JSON.parse(withKeyword('CMD').at(-1) ?? '[]'), ['start', '--init']);
  });

  it('initialises with an address that listens on every interface and passes validation', () => {
    const env = runtimeEnv();
    assert.equal(parseAddress(env.FEDCA_INIT_ADDRESS).host ?? '0.0.0.0', '0.0.0.0');
    const config = validateConfig({
      root: 'r', crt: 'c', key: 'k', address: env.FEDCA_INIT_ADDRESS, dnsNames: env.FEDCA_INIT_DNS.split(','),
    });
    assert.equal(config.address, env.FEDCA_INIT_ADDRESS);
    assert.match(env.FEDCA_INIT_KTY, /^(EC|RSA|OKP)$/);
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = withKeyword('HEALTHCHECK')[0] ?? '';
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    let home: TestHome;
    let ca: RunningCa | undefined;

    before(async () => {
      home = await initTestHome();
    });
    after(async () => {
      await ca?.stop('SIGKILL');
      rmSync(home.home, { recursive: true, force: true });
    });

    const runHealthcheck = () => {
      assert.equal(command[0], 'node', 'the slim image has node, not curl');
      return exec(process.execPath, command.slice(1), { env: { FEDCA_HOME: home.home } });
    };

    it('passes against a serving CA on the port ca.json names', async () => {
      ca = await startFedca(['--home', home.home, '--password-file', home.passwordFile, '--quiet']);
      // The healthcheck reads the port from ca.json: write the one the CA got.
      editConfig(home.home, (config) => (config.address = `127.0.0.1:${ca?.port}`));
      const r = await runHealthcheck();
      assert.equal(r.status, 0, r.stderr);
    });

    it('fails once the CA has stopped', async () => {
      assert.equal(await ca?.stop(), 0);
      const r = await runHealthcheck();
      assert.equal(r.status, 1, r.stderr);
    });
  });
});
