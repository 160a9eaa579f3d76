import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ClientHomeLayout, readClientDefaults, resolveClientHome, saveBootstrap } from '../src/sdk/clientHome.js';
import { ClientHomeError } from '../src/sdk/errors.js';
import { miniPki } from './helpers/miniPki.js';
import { tempDir } from './helpers/testCa.js';

describe('client home (bootstrap defaults)', () => {
  let home: string;
  beforeEach(() => {
    home = tempDir('fedca-client-');
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const record = (pem: string, fingerprint: string) => ({ caUrl: 'https://ca.example:9000', fingerprint, rootPem: pem });

  it('is $FEDCA_CLIENT_HOME, else ~/.fedca', () => {
    assert.equal(resolveClientHome({ FEDCA_CLIENT_HOME: home }), home);
    assert.equal(resolveClientHome({}), join(homedir(), '.fedca'));
  });

  it('saves the root and defaults.json, and reads them back', () => {
    const pki = miniPki('Home');
    const saved = saveBootstrap(home, record(pki.rootPem, pki.rootFingerprint));
    assert.equal(saved.rootFile, join(home, ClientHomeLayout.root));
    assert.equal(readFileSync(saved.rootFile, 'utf8'), pki.rootPem);
    assert.deepEqual(JSON.parse(readFileSync(saved.defaultsFile, 'utf8')), { 'ca-url': 'https://ca.example:9000', fingerprint: pki.rootFingerprint, root: saved.rootFile });
    assert.deepEqual(readClientDefaults(home), { caUrl: 'https://ca.example:9000', fingerprint: pki.rootFingerprint, root: saved.rootFile });
  });

  it('saving the same CA again is fine; another CA needs force, and a refusal writes nothing', () => {
    const first = miniPki('First');
    const second = miniPki('Second');
    saveBootstrap(home, record(first.rootPem, first.rootFingerprint));
    saveBootstrap(home, record(first.rootPem, first.rootFingerprint));
    assert.throws(() => saveBootstrap(home, record(second.rootPem, second.rootFingerprint)), ClientHomeError);
    assert.equal(readClientDefaults(home).fingerprint, first.rootFingerprint);
    assert.equal(readFileSync(join(home, ClientHomeLayout.root), 'utf8'), first.rootPem);
    saveBootstrap(home, record(second.rootPem, second.rootFingerprint), true);
    assert.equal(readClientDefaults(home).fingerprint, second.rootFingerprint);
  });

  it('no defaults file means no defaults; a broken one is an error', () => {
    assert.deepEqual(readClientDefaults(home), {});
    assert.ok(!existsSync(join(home, ClientHomeLayout.defaults)));
    mkdirSync(join(home, 'config'));
    writeFileSync(join(home, ClientHomeLayout.defaults), '[1]');
    assert.throws(() => readClientDefaults(home), /not a JSON object/);
  });
});
