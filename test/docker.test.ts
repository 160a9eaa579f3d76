import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAddress } from '../src/config/address.js';
import { validateConfig } from '../src/config/load.js';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { exec } from './helpers/exec.js';
import { editConfig, initTestHome, tempDir, type TestHome } from './helpers/testCa.js';

/**
 * There is no Docker engine here, so this plays the Dockerfile's stages on the
 * file system: the build stage's COPYs from the build context (less
 * .dockerignore) and its compile, the runtime stage's COPYs from the build
 * stage, then the ENTRYPOINT and CMD from the runtime layout; and its HEALTHCHECK
 * against a real CA. What it checks is what the image does, not how the file reads.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile'), 'utf8');

/** One build stage: its base image, its name, and its instructions (keyword, rest). */
interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: readonly (readonly [keyword: string, rest: string])[];
}

/** The Dockerfile's stages, continuation lines joined and comments dropped. */
const stages: Stage[] = [];
for (const line of DOCKERFILE.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim())) {
  if (line === '' || line.startsWith('#')) continue;
  const [keyword, ...words] = line.split(/\s+/);
  const rest = words.join(' ');
  if (keyword === 'FROM') {
    const [from, as, name] = words;
    stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
  } else {
    (stages.at(-1)?.instructions as [string, string][] | undefined)?.push([keyword, rest]);
  }
}
const [build, runtime] = stages;
const all = (stage: Stage, keyword: string): string[] => stage.instructions.filter(([k]) => k === keyword).map(([, rest]) => rest);
const last = (stage: Stage, keyword: string): string => all(stage, keyword).at(-1) ?? '';

/** The runtime stage's ENV assignments. */
function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of all(runtime, 'ENV')) {
    for (const pair of line.split(/\s+/)) {
      const [key, value] = pair.split('=');
      env[key] = value;
    }
  }
  return env;
}

/** The JSON (exec) form of an instruction: ["a", "b"]. */
const execForm = (rest: string): string[] => JSON.parse(rest) as string[];

/** `COPY [--from=X] SRC... DEST` as sources, destination and the stage copied from. */
function copies(stage: Stage): { from?: string; sources: string[]; dest: string }[] {
  return all(stage, 'COPY').map((rest) => {
    const words = rest.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
  });
}

/** The patterns of .dockerignore (top-level names, as fedca's are). */
const IGNORED = readFileSync(join(REPO, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const ignored = (path: string): boolean => IGNORED.some((p) => (p.startsWith('*.') ? path.endsWith(p.slice(1)) : path === p || path.startsWith(p + '/')));

/** A path of an image (absolute, or relative to the stage's WORKDIR) inside `root`, the stand-in for the image's file system. */
function inImage(root: string, workdir: string, path: string): string {
  return join(root, posix.resolve(workdir, path));
}

describe('Dockerfile', function () {
  // The compile in the build stage takes a few seconds on a busy machine.
  this.timeout(120_000);
  let scratch: string;
  /** The build stage's and the runtime stage's file systems. */
  let buildRoot: string;
  let runtimeRoot: string;

  before(() => {
    scratch = tempDir('fedca-docker-');
    buildRoot = join(scratch, 'build');
    runtimeRoot = join(scratch, 'runtime');
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('builds in a full Node 20 image and runs in a slim one of the same Node and Debian release', () => {
    assert.equal(stages.length, 2);
    assert.ok(build.name, 'the build stage is named, for COPY --from');
    const [buildImage, buildTag] = build.from.split(':');
    const [runtimeImage, runtimeTag] = runtime.from.split(':');
    assert.equal(buildImage, 'node');
    assert.equal(runtimeImage, 'node');
    assert.equal(runtimeTag, `${buildTag}-slim`, 'the native addon built in one runs in the other');
    assert.match(buildTag, /^20-/);
  });

  it('the build stage copies only what the build context holds, and compiles it', async () => {
    const workdir = last(build, 'WORKDIR');
    for (const { from, sources, dest } of copies(build)) {
      assert.equal(from, undefined);
      for (const source of sources) {
        assert.ok(existsSync(join(REPO, source)), `${source} is not in the repository`);
        assert.ok(!ignored(source), `${source} is excluded by .dockerignore`);
        const target = dest.endsWith('/') ? join(inImage(buildRoot, workdir, dest), source) : inImage(buildRoot, workdir, dest);
        mkdirSync(dirname(target), { recursive: true });
        cpSync(join(REPO, source), target, { recursive: true });
      }
    }
    // `npm ci` needs the registry: the installed node_modules stand in for it.
    symlinkSync(join(REPO, 'node_modules'), inImage(buildRoot, workdir, 'node_modules'));
    const compile = all(build, 'RUN')
      .flatMap((run) => run.split('&&').map((c) => c.trim()))
      .find((c) => /^npx tsc\b/.test(c));
    assert.ok(compile, 'the build stage compiles the TypeScript');
    const [, ...args] = compile.split(/\s+/);
    const run = await exec(join(REPO, 'node_modules', '.bin', args[0]), args.slice(1), { cwd: inImage(buildRoot, workdir, '.') });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  it('the runtime stage finds everything it copies from the build stage', () => {
    const buildWorkdir = last(build, 'WORKDIR');
    const workdir = last(runtime, 'WORKDIR');
    const fromBuild = copies(runtime).filter((c) => c.from !== undefined);
    assert.ok(fromBuild.length > 0);
    for (const { from, sources, dest } of fromBuild) {
      assert.equal(from, build.name);
      for (const source of sources) {
        const built = inImage(buildRoot, buildWorkdir, source);
        assert.ok(existsSync(built), `${source} does not exist after the build stage`);
        const target = dest.endsWith('/') ? join(inImage(runtimeRoot, workdir, dest), posix.basename(source)) : inImage(runtimeRoot, workdir, dest);
        mkdirSync(dirname(target), { recursive: true });
        if (posix.basename(source) === 'node_modules') symlinkSync(join(REPO, 'node_modules'), target);
        else cpSync(built, target, { recursive: true });
      }
    }
  });

  it('ENTRYPOINT with CMD starts the CA, initialising a home from the FEDCA_INIT_* defaults', async () => {
    const [program, script] = execForm(last(runtime, 'ENTRYPOINT'));
    assert.equal(program, 'node');
    const entry = inImage(runtimeRoot, last(runtime, 'WORKDIR'), script);
    assert.ok(existsSync(entry), `${relative(runtimeRoot, entry)} is not in the runtime image`);
    const cmd = execForm(last(runtime, 'CMD'));
    assert.equal(cmd[0], 'start');
    const help = await exec(process.execPath, [entry, cmd[0], '--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const option of cmd.slice(1)) assert.match(help.stdout, new RegExp(`${option}\\b`), `"${cmd[0]}" has no ${option}`);
    // The image's defaults, but a home of the test's own and a loopback address.
    const home = join(scratch, 'home');
    const env = { ...runtimeEnv(), FEDCA_HOME: home, FEDCA_INIT_ADDRESS: '127.0.0.1:0', FEDCA_WORKERS: '1' };
    const ca = await startFedca([...cmd.slice(1), '--quiet'], env, undefined, entry);
    try {
      assert.ok(existsSync(join(home, 'config', 'ca.json')), 'the first start initialised the home');
    } finally {
      assert.equal(await ca.stop(), 0, 'SIGTERM (docker stop) drains and exits 0');
    }
  });

  it('runs as a non-root user who owns FEDCA_HOME, a volume', () => {
    const user = last(runtime, 'USER');
    assert.ok(user !== '' && user !== 'root' && user !== '0', `runs as ${user || 'root'}`);
    const home = runtimeEnv().FEDCA_HOME;
    assert.ok(home, 'FEDCA_HOME is not set');
    assert.ok(execForm(last(runtime, 'VOLUME')).includes(home), 'FEDCA_HOME is not a volume');
    const userAt = runtime.instructions.findIndex(([k]) => k === 'USER');
    const chowned = runtime.instructions.slice(0, userAt).some(([k, rest]) => k === 'RUN' && new RegExp(`chown\\s+${user}(:${user})?\\s+${home}\\b`).test(rest));
    assert.ok(chowned, `${home} is not given to ${user} before the USER switch`);
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
    const healthcheck = last(runtime, 'HEALTHCHECK');
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4));
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
