import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ProvisionerConfig } from '../src/config/caConfig.js';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig } from '../src/config/load.js';
import { loadAuthority } from '../src/home/load.js';
import { provisionerFromConfig } from '../src/provisioners/fromConfig.js';
import { ProvisionerConfigError } from '../src/provisioners/provisionerConfig.js';
import { miniPki } from './helpers/miniPki.js';
import { editConfig, initTestHome, type TestHome } from './helpers/testCa.js';

/** A JWK entry as init writes it, trimmed to what the JWK provisioner reads. */
const jwkEntry = (): Record<string, unknown> => ({
  type: 'JWK',
  name: 'admin',
  key: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'kid-1' },
  encryptedKey: 'a.b.c.d.e',
});

/** The provisioner's config error for `entry` after `edit`. */
function refusal(edit: (entry: Record<string, unknown>) => void): ProvisionerConfigError {
  const entry = jwkEntry();
  edit(entry);
  try {
    provisionerFromConfig(entry as ProvisionerConfig, { home: '/nonexistent' });
  } catch (err) {
    if (err instanceof ProvisionerConfigError) return err;
    throw err;
  }
  assert.fail('the entry was accepted');
}

describe('provisioner entries of ca.json', () => {
  it('builds a JWK provisioner from what init writes', () => {
    const p = provisionerFromConfig(jwkEntry() as ProvisionerConfig, { home: '/nonexistent' });
    assert.equal(p.type, 'JWK');
    assert.equal(p.tokenKey, 'kid-1');
  });

  const refusals: [string, (entry: Record<string, unknown>) => void, RegExp][] = [
    ['an unknown provisioner type', (e) => (e.type = 'MAGIC'), /^type: unsupported provisioner type "MAGIC" \(supported: JWK/],
    ['a provisioner key without kid', (e) => delete (e.key as Record<string, unknown>).kid, /^key\.kid: is required$/],
    ['a private provisioner key', (e) => ((e.key as Record<string, unknown>).d = 'secret'), /^key: must be a public key/],
    ['an encryptedKey that is not a JWE', (e) => (e.encryptedKey = 'abc'), /^encryptedKey: must be a JWE in compact form$/],
    ['a key that is no usable JWK', (e) => ((e.key as Record<string, unknown>).x = 'short'), /^key: not a usable public JWK/],
    ['an unknown profile', (e) => (e.options = { profiles: ['nope'] }), /^options\.profiles: unknown profile "nope"/],
  ];
  for (const [what, edit, message] of refusals) {
    it(`refuses ${what}, naming the key`, () => {
      const err = refusal(edit);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'));
    });
  }

  describe('X5C', () => {
    const x5cRefusal = (roots: unknown): string => {
      try {
        provisionerFromConfig({ type: 'X5C', name: 'x5c', roots }, { home: '/nonexistent' });
      } catch (err) {
        if (err instanceof ProvisionerConfigError) return err.message;
        throw err;
      }
      assert.fail('the entry was accepted');
    };
    const leafPem = miniPki('x5c-test').serverIdentity(['svc.internal']).chainPem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n';

    it('takes roots as step-ca writes them (base64 PEM), as PEM, or as a file', () => {
      const { rootPem } = miniPki('x5c-test');
      assert.equal(provisionerFromConfig({ type: 'X5C', name: 'a', roots: Buffer.from(rootPem).toString('base64') }, { home: '/nonexistent' }).tokenKey, 'x5c/a');
      assert.equal(provisionerFromConfig({ type: 'X5C', name: 'b', roots: rootPem }, { home: '/nonexistent' }).tokenKey, 'x5c/b');
    });

    it('refuses no roots, roots that are neither PEM nor a file, and roots that are not CAs', () => {
      assert.equal(x5cRefusal(undefined), 'roots: is required');
      assert.match(x5cRefusal('no-such-file.pem'), /^roots: neither a PEM bundle \(base64 or not\) nor a readable file: \/nonexistent\/no-such-file\.pem \(ENOENT\)$/);
      assert.equal(x5cRefusal(leafPem), 'roots: holds a certificate that is not a CA');
    });
  });

  describe('OIDC', () => {
    const oidcEntry = (): Record<string, unknown> & { type: string; name: string } => ({ type: 'OIDC', name: 'sso', clientID: 'fedca', clientSecret: 's', configurationEndpoint: 'https://idp.example/.well-known/openid-configuration' });
    const oidcRefusal = (edit: (entry: Record<string, unknown>) => void): string => {
      const entry = oidcEntry();
      edit(entry);
      try {
        provisionerFromConfig(entry as ProvisionerConfig, { home: '/nonexistent' });
      } catch (err) {
        if (err instanceof ProvisionerConfigError) return err.message;
        throw err;
      }
      assert.fail('the entry was accepted');
    };

    it("takes step-ca's keys; tokens find it by its client id", () => {
      const p = provisionerFromConfig({ ...oidcEntry(), domains: ['example.com'], admins: ['a@example.com'], groups: ['staff'], listenAddress: '127.0.0.1:10000' } as ProvisionerConfig, { home: '/nonexistent' });
      assert.deepEqual([p.type, p.tokenKey, p.credentialId], ['OIDC', 'fedca', 'fedca']);
      assert.equal(p.info().clientSecret, 's');
    });

    const cases: [string, (e: Record<string, unknown>) => void, RegExp][] = [
      ['no clientID', (e) => delete e.clientID, /^clientID: is required$/],
      ['a configurationEndpoint that is not https', (e) => (e.configurationEndpoint = 'http://idp.example'), /^configurationEndpoint: must be an https URL/],
      ['domains that are not a list of names', (e) => (e.domains = 'example.com'), /^domains: must be a list of non-empty strings$/],
      ['a listenAddress without a port', (e) => (e.listenAddress = 'localhost'), /^listenAddress: must be HOST:PORT/],
      ['a caBundle that cannot be read', (e) => (e.caBundle = 'idp.pem'), /^caBundle: cannot read \/nonexistent\/idp\.pem \(ENOENT\)$/],
      ['groupProfiles naming an unknown profile', (e) => (e.options = { groupProfiles: { staff: ['vpn'] } }), /^options\.groupProfiles\.staff: must be a list of profile names/],
    ];
    for (const [what, edit, message] of cases) {
      it(`refuses ${what}, naming the key`, () => assert.match(oidcRefusal(edit), message));
    }
  });

  describe('cloud identities (AWS, GCP, Azure, K8sSA)', () => {
    const build = (entry: Record<string, unknown>) => provisionerFromConfig(entry as ProvisionerConfig, { home: '/nonexistent' });
    const cloudRefusal = (entry: Record<string, unknown>): string => {
      try {
        build(entry);
      } catch (err) {
        if (err instanceof ProvisionerConfigError) return err.message;
        throw err;
      }
      assert.fail('the entry was accepted');
    };

    it("takes step-ca's entries; tokens find them as step-ca's do (aws/NAME, gcp/NAME, the tenant, k8ssa/k8sSA-default)", () => {
      const keyPem = miniPki('k8s').serverIdentity(['k8s']).chainPem.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n';
      const built = [
        build({ type: 'AWS', name: 'aws', accounts: ['1'], instanceAge: '1h', imdsVersions: ['v2'], disableCustomSANs: true }),
        build({ type: 'GCP', name: 'gcp', projectIDs: ['p'], serviceAccounts: ['sa'], disableTrustOnFirstUse: true }),
        build({ type: 'Azure', name: 'azure', tenantID: 'tenant-1', resourceGroups: ['rg'] }),
        build({ type: 'K8sSA', name: 'k8s', publicKeys: Buffer.from(keyPem).toString('base64') }),
      ];
      assert.deepEqual(built.map((p) => [p.type, p.tokenKey]), [['AWS', 'aws/aws'], ['GCP', 'gcp/gcp'], ['Azure', 'tenant-1'], ['K8sSA', 'k8ssa/k8sSA-default']]);
    });

    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['an instanceAge that is no duration', { type: 'AWS', name: 'a', instanceAge: 'soon' }, /^instanceAge: must be a duration such as "1h30m", got "soon"$/],
      ['a negative instanceAge', { type: 'GCP', name: 'g', instanceAge: '-1h' }, /^instanceAge: cannot be negative$/],
      ['an unknown IMDS version', { type: 'AWS', name: 'a', imdsVersions: ['v3'] }, /^imdsVersions: "v3" is not a supported AWS Instance Metadata Service version/],
      ['iidRoots that cannot be read', { type: 'AWS', name: 'a', iidRoots: 'aws.pem' }, /^iidRoots: cannot read \/nonexistent\/aws\.pem \(ENOENT\)$/],
      ['a disableCustomSANs that is not a boolean', { type: 'AWS', name: 'a', disableCustomSANs: 'yes' }, /^disableCustomSANs: must be true or false$/],
      ['a configurationEndpoint that is not https', { type: 'GCP', name: 'g', configurationEndpoint: 'http://keys.example' }, /^configurationEndpoint: must be an https URL/],
      ['an Azure entry without tenantID', { type: 'Azure', name: 'z' }, /^tenantID: is required$/],
      ['a K8sSA entry without publicKeys', { type: 'K8sSA', name: 'k' }, /^publicKeys: is required$/],
      ['publicKeys that are neither PEM nor a file', { type: 'K8sSA', name: 'k', publicKeys: 'nope' }, /^publicKeys: neither PEM public keys/],
    ];
    for (const [what, entry, message] of cases) {
      it(`refuses ${what}, naming the key`, () => assert.match(cloudRefusal(entry), message));
    }
  });

  describe('when a CA loads', () => {
    let home: TestHome;
    before(async () => {
      home = await initTestHome();
    });
    after(() => rmSync(home.home, { recursive: true, force: true }));

    it('names authority.provisioners[i] and the key, before opening the store', async () => {
      editConfig(home.home, (config) => {
        const provisioners = (config.authority as { provisioners: Record<string, unknown>[] }).provisioners;
        delete (provisioners[0].key as Record<string, unknown>).kid;
      });
      await assert.rejects(loadAuthority(home.home, loadConfig(home.home), home.password), (err: unknown) => err instanceof ConfigError && err.message === 'authority.provisioners[0].key.kid: is required');
      assert.equal(existsSync(join(home.home, 'db')), false);
    });

    it('refuses two provisioners that tokens could not tell apart (one OIDC client id)', async () => {
      editConfig(home.home, (config) => {
        const authority = config.authority as { provisioners: Record<string, unknown>[] };
        const sso = { type: 'OIDC', clientID: 'fedca', configurationEndpoint: 'https://idp.example' };
        authority.provisioners = [{ ...sso, name: 'one' }, { ...sso, name: 'two' }];
      });
      await assert.rejects(loadAuthority(home.home, loadConfig(home.home), home.password), (err: unknown) => err instanceof ConfigError && err.message === 'authority.provisioners[1]: tokens could not tell it from authority.provisioners[0] (both are found by "fedca")');
    });
  });
});
