import assert from 'node:assert/strict';
import { chmodSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, assertOneLine, fedca } from './helpers/cli.js';
import { exec } from './helpers/exec.js';
import { tempDir } from './helpers/testCa.js';
import { SqliteStore } from '../src/store/sqlite.js';

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('home file modes: set explicitly, and a loose home is refused', () => {
  let dir: string;
  let home: string;
  let passwordFile: string;
  before(async () => {
    dir = tempDir();
    home = join(dir, 'home');
    passwordFile = join(dir, 'pw');
    writeFileSync(passwordFile, 'correct horse\n', { mode: 0o600 });
    // umask 000: whatever init leaves group- or world-writable, the umask did not prevent.
    const r = await exec('sh', ['-c', `umask 000 && exec "${process.execPath}" "${CLI}" init --home "${home}" --address 127.0.0.1:0 --password-file "${passwordFile}"`]);
    assert.equal(r.status, 0, r.stderr);
    // The database and its folder, as the first start makes them.
    await new SqliteStore(join(home, 'db/fedca.sqlite')).close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('init under umask 000: the home and its folders 0700, ca.json and the keys 0600', () => {
    for (const folder of ['', 'config', 'pki', 'pki/secrets', 'pki/federated']) assert.equal(mode(join(home, folder)), 0o700, `${folder || 'the home'} is ${mode(join(home, folder)).toString(8)}`);
    for (const file of ['config/ca.json', 'pki/secrets/root_ca_key', 'pki/secrets/intermediate_ca_key']) assert.equal(mode(join(home, file)), 0o600, `${file} is ${mode(join(home, file)).toString(8)}`);
  });

  it('the store creates its database 0600 in a 0700 folder under umask 000, and its WAL files likewise', async () => {
    const folder = join(dir, 'store', 'db');
    const previous = process.umask(0);
    let store: SqliteStore;
    try {
      store = new SqliteStore(join(folder, 'fedca.sqlite'));
    } finally {
      process.umask(previous);
    }
    await store.pruneUsedTokens(new Date());
    assert.equal(mode(folder), 0o700);
    const files = readdirSync(folder);
    assert.ok(files.includes('fedca.sqlite-wal'), files.join(' '));
    for (const file of files) assert.equal(mode(join(folder, file)), 0o600, `${file} is ${mode(join(folder, file)).toString(8)}`);
    await store.close();
  });

  for (const [path, fix] of [['config', 'chmod 700'], ['config/ca.json', 'chmod 600'], ['pki', 'chmod 700'], ['db', 'chmod 700'], ['pki/secrets/intermediate_ca_key', 'chmod 600']] as const) {
    it(`start refuses a home whose ${path} is writable by group or others, in one line saying how to fix it`, async () => {
      const target = join(home, path);
      const before = mode(target);
      chmodSync(target, path.includes('.') || path.endsWith('_key') ? 0o666 : 0o777);
      try {
        const r = await fedca(['start', '--home', home, '--password-file', passwordFile]);
        assert.equal(r.status, 2, r.stderr);
        assertOneLine(r.stderr);
        assert.ok(r.stderr.includes(`${target} is writable by group or others`), r.stderr);
        assert.ok(r.stderr.includes(`${fix} ${target}`), r.stderr);
      } finally {
        chmodSync(target, before);
      }
    });
  }
});
