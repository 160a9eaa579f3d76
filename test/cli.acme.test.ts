import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { openStore } from '../src/store/open.js';
import { loadConfig } from '../src/config/load.js';
import { runFedca } from './helpers/cliRun.js';
import { initTestHome, type TestHome } from './helpers/testCa.js';

describe('fedca acme eab add|list|remove, acme account revoke', function () {
  this.timeout(60_000);
  let home: TestHome;

  before(async () => {
    home = await initTestHome({
      editConfig: (c) => {
        (c.authority as { provisioners: Record<string, unknown>[] }).provisioners.push({ type: 'ACME', name: 'acme', requireEAB: true });
      },
    });
  });
  after(() => rmSync(home.home, { recursive: true, force: true }));

  it('adds a key (printed once), lists it without its HMAC key, removes it', async () => {
    const added = await runFedca(['acme', 'eab', 'add', '--home', home.home, '--reference', 'team a', '--format', 'json']);
    assert.equal(added.status, 0, added.stderr);
    const key = JSON.parse(added.stdout) as { keyId: string; hmacKey: string; provisioner: string };
    assert.equal(key.provisioner, 'acme');
    assert.match(key.hmacKey, /^[A-Za-z0-9_-]{43}$/);
    const store = await openStore(loadConfig(home.home).db, home.home);
    try {
      assert.deepEqual((await store.acmeEabKey(key.keyId))?.hmacKey, Buffer.from(key.hmacKey, 'base64url'));
    } finally {
      await store.close();
    }
    const text = await runFedca(['acme', 'eab', 'add', '--home', home.home, '--key-id', 'ops']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /key id: {3}ops\n {2}HMAC key: [A-Za-z0-9_-]{43}\n {2}lego: {5}--eab --kid ops --hmac /);
    const list = await runFedca(['acme', 'eab', 'list', '--home', home.home]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${key.keyId}  acme  \\S+  unbound  "team a"$`, 'm'));
    assert.match(list.stdout, /^ops {2}acme {2}\S+ {2}unbound$/m);
    assert.doesNotMatch(list.stdout, new RegExp(key.hmacKey));
    const removed = await runFedca(['acme', 'eab', 'remove', 'ops', '--home', home.home]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(removed.stdout, 'removed EAB key ops\n');
    const listJson = await runFedca(['acme', 'eab', 'list', '--home', home.home, '--format', 'json']);
    assert.equal(listJson.status, 0, listJson.stderr);
    assert.deepEqual((JSON.parse(listJson.stdout) as { keyId: string }[]).map((k) => k.keyId), [key.keyId]);
    const removedJson = await runFedca(['acme', 'eab', 'remove', key.keyId, '--home', home.home, '--format', 'json']);
    assert.equal(removedJson.status, 0, removedJson.stderr);
    assert.deepEqual(JSON.parse(removedJson.stdout), { removed: key.keyId });
  });

  it('refuses with one line: an unknown provisioner, a key id twice, removing an unknown key, a bad key id', async () => {
    const cases: [string[], number, RegExp][] = [
      [['add', '--provisioner', 'admin'], 2, /^fedca: no ACME provisioner "admin" in ca.json \(ACME provisioners: acme\)\n$/],
      [['add', '--key-id', 'bad id'], 2, /--key-id must be 1-64 characters/],
      [['add', '--key-id=-ops'], 2, /--key-id must be 1-64 characters of A-Z a-z 0-9 _ -, not starting with -/],
      [['remove', 'nope'], 1, /no EAB key with key id "nope"/],
    ];
    assert.equal((await runFedca(['acme', 'eab', 'add', '--home', home.home, '--key-id', 'twice'])).status, 0);
    cases.push([['add', '--key-id', 'twice'], 1, /an EAB key with key id "twice" exists already/]);
    for (const [args, status, message] of cases) {
      const run = await runFedca(['acme', 'eab', ...args, '--home', home.home]);
      assert.equal(run.status, status, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
    }
  });

  it('account revoke ends an ACME account; an unknown or revoked one is refused in one line', async () => {
    const store = await openStore(loadConfig(home.home).db, home.home);
    try {
      await store.createAcmeAccount({ id: 'acc-1', provisioner: 'acme', thumbprint: 't', jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, status: 'valid', contact: [], createdAt: new Date() });
      await store.createAcmeAccount({ id: '-acc-2', provisioner: 'acme', thumbprint: 't2', jwk: { kty: 'EC', crv: 'P-256', x: 'x2', y: 'y2' }, status: 'valid', contact: [], createdAt: new Date() });
    } finally {
      await store.close();
    }
    const revoked = await runFedca(['acme', 'account', 'revoke', 'acc-1', '--home', home.home]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(revoked.stdout, /^revoked ACME account acc-1 of provisioner "acme"/);
    const reopened = await openStore(loadConfig(home.home).db, home.home);
    try {
      assert.equal((await reopened.acmeAccount('acc-1'))?.status, 'revoked');
    } finally {
      await reopened.close();
    }
    const again = await runFedca(['acme', 'account', 'revoke', 'acc-1', '--home', home.home]);
    assert.equal(again.status, 1);
    assert.equal(again.stderr, 'fedca: ACME account "acc-1" is already revoked\n');
    const unknown = await runFedca(['acme', 'account', 'revoke', 'nope', '--home', home.home]);
    assert.equal(unknown.stderr, 'fedca: no ACME account "nope"\n');
    // An id made before ids stopped starting with "-" is typed after --, as --help says.
    const dashed = await runFedca(['acme', 'account', 'revoke', '--home', home.home, '--', '-acc-2']);
    assert.equal(dashed.status, 0, dashed.stderr);
    assert.match(dashed.stdout, /^revoked ACME account -acc-2 /);
  });

  it('--help says what the verbs do', async () => {
    const help = await runFedca(['acme', 'eab', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /external account binding keys \(RFC 8555 §7\.3\.4\)/);
    assert.match(help.stdout, /add .*create an EAB key/s);
  });
});
