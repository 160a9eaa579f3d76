import assert from 'node:assert/strict';
import { AcmeProvisioner } from '../src/provisioners/acme.js';
import { DEFAULT_CLAIMS } from '../src/provisioners/claims.js';
import { provisionerFromConfig } from '../src/provisioners/fromConfig.js';
import { ProvisionerConfigError } from '../src/provisioners/provisionerConfig.js';
import { Unauthorized } from '../src/errors.js';

const build = (extra: Record<string, unknown>) => provisionerFromConfig({ type: 'ACME', name: 'acme', ...extra }, { home: '/nonexistent' });

describe('ACME provisioner (src/provisioners/acme.ts)', () => {
  it("reads step-ca's keys and fedca's allowLoopback and resolvers; offers every challenge type by default", () => {
    const p = build({});
    assert.ok(p instanceof AcmeProvisioner);
    assert.equal(p.id, 'acme/acme');
    assert.deepEqual(p.challenges, ['http-01', 'dns-01', 'tls-alpn-01']);
    assert.deepEqual(p.validation, { allowLoopback: false, resolvers: [] });
    assert.deepEqual(p.info(), { type: 'ACME', name: 'acme' });
    const q = build({ challenges: ['dns-01'], forceCN: true, requireEAB: true, allowLoopback: true, resolvers: ['10.0.0.53', '127.0.0.1:5353', '[::1]:53'] }) as AcmeProvisioner;
    assert.deepEqual(q.challenges, ['dns-01']);
    assert.equal(q.forceCN, true);
    assert.equal(q.requireEAB, true);
    assert.deepEqual(q.validation.resolvers, ['10.0.0.53', '127.0.0.1:5353', '[::1]:53']);
    assert.deepEqual(q.info(), { type: 'ACME', name: 'acme', forceCN: true, requireEAB: true, challenges: ['dns-01'] });
  });

  it('refuses bad keys, naming them', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ challenges: ['http-02'] }, /^challenges: unknown challenge type "http-02"/],
      [{ challenges: [] }, /^challenges: must name at least one/],
      [{ resolvers: ['dns.example'] }, /^resolvers: "dns.example" is not an IP address/],
      [{ allowLoopback: 'yes' }, /^allowLoopback: must be true or false$/],
      [{ requireEAB: 1 }, /^requireEAB: must be true or false$/],
    ];
    for (const [extra, message] of cases) {
      assert.throws(() => build(extra), (err: unknown) => err instanceof ProvisionerConfigError && message.test(err.message), JSON.stringify(extra));
    }
  });

  it('takes no one-time tokens', async () => {
    const p = new AcmeProvisioner({ type: 'ACME', name: 'acme' }, DEFAULT_CLAIMS);
    await assert.rejects(p.authorizeSign(), (err: unknown) => err instanceof Unauthorized && /takes no tokens/.test(err.message));
    await assert.rejects(p.authorizeRevoke(), (err: unknown) => err instanceof Unauthorized);
  });
});
