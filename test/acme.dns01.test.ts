import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { dns01RecordName, dns01TxtValue } from '../src/authority/acme/challenges/dns01.js';
import { validateChallenge, type ValidationPolicy } from '../src/authority/acme/challenges/validation.js';
import { assertChallengeFailure, challengeAttempt } from './helpers/acmeChallenge.js';
import { TestDnsServer } from './helpers/dnsServer.js';
import { closedPort } from './helpers/ports.js';

describe('ACME dns-01 validation', () => {
  let dns: TestDnsServer;
  let policy: ValidationPolicy;

  before(async () => {
    dns = await TestDnsServer.start(['example.test']);
    policy = { allowLoopback: false, timeoutMs: 5_000, resolvers: [dns.resolver] };
  });
  after(async () => {
    await dns.close();
  });

  it('passes when one TXT record at _acme-challenge.<name> is base64url(SHA-256(key authorization)), asking the configured server', async () => {
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: 'www.example.test' });
    dns.set('_acme-challenge.www.example.test', 'TXT', ['something else', dns01TxtValue(attempt.keyAuthorization)]);
    const before = dns.queries.length;
    await validateChallenge(attempt, policy);
    assert.deepEqual(dns.queries.slice(before), [{ name: '_acme-challenge.www.example.test', type: 'TXT', transport: 'udp' }]);
  });

  it('looks up the base name of a wildcard', async () => {
    assert.equal(dns01RecordName('*.wild.example.test'), '_acme-challenge.wild.example.test');
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: '*.wild.example.test' });
    dns.set('_acme-challenge.wild.example.test', 'TXT', [dns01TxtValue(attempt.keyAuthorization)]);
    await validateChallenge(attempt, policy);
  });

  it('fails with incorrectResponse quoting what it found when no TXT record is right', async () => {
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: 'wrong.example.test' });
    dns.set('_acme-challenge.wrong.example.test', 'TXT', ['a', 'b', 'c', 'd', 'e']);
    await assertChallengeFailure(
      validateChallenge(attempt, policy),
      'incorrectResponse',
      new RegExp(`^expected TXT "${dns01TxtValue(attempt.keyAuthorization)}" at _acme-challenge\\.wrong\\.example\\.test, found "[a-e]", "[a-e]", "[a-e]", and 2 more$`),
    );
  });

  it('fails with dns when there is no TXT record, the name existing or not', async () => {
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: 'none.example.test' });
    await assertChallengeFailure(validateChallenge(attempt, policy), 'dns', /^no TXT record at _acme-challenge\.none\.example\.test$/);
    dns.setAddresses('_acme-challenge.none.example.test', '10.0.0.1');
    await assertChallengeFailure(validateChallenge(attempt, policy), 'dns', /^no TXT record at _acme-challenge\.none\.example\.test$/);
  });

  it('fails with dns when the server fails the lookup', async () => {
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: 'broken.example.test' });
    dns.failing.add('_acme-challenge.broken.example.test');
    await assertChallengeFailure(validateChallenge(attempt, policy), 'dns', /^DNS lookup of TXT _acme-challenge\.broken\.example\.test failed: ESERVFAIL$/);
  });

  it('fails with dns at the deadline when the server stays silent', async () => {
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: 'silent.example.test' });
    dns.unanswered.add('_acme-challenge.silent.example.test');
    await assertChallengeFailure(
      validateChallenge(attempt, { ...policy, timeoutMs: 300 }),
      'dns',
      /^no answer from the DNS servers \(TXT _acme-challenge\.silent\.example\.test\) within 300 ms$/,
    );
  });

  it('fails with dns when no server answers at all', async () => {
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: 'www.example.test' });
    const port = await closedPort();
    await assertChallengeFailure(
      validateChallenge(attempt, { ...policy, resolvers: [`127.0.0.1:${port}`], timeoutMs: 3_000 }),
      'dns',
      /^DNS lookup of TXT _acme-challenge\.www\.example\.test failed: ECONNREFUSED$/,
    );
  });

  it('refuses an IP identifier (malformed, RFC 8738 §7) and resolvers that are not IP:port', async () => {
    const byIp = await challengeAttempt('dns-01', { type: 'ip', value: '10.0.0.1' });
    await assertChallengeFailure(validateChallenge(byIp, policy), 'malformed', /^dns-01 cannot validate the IP identifier 10\.0\.0\.1 \(RFC 8738 §7\)$/);
    const attempt = await challengeAttempt('dns-01', { type: 'dns', value: 'www.example.test' });
    await assertChallengeFailure(validateChallenge(attempt, { ...policy, resolvers: ['ns.example.test'] }), 'dns', /^the configured DNS resolvers \["ns\.example\.test"\] are not IP or IP:port$/);
  });
});

describe('test DNS server (for lego and certbot dns-01)', () => {
  let dns: TestDnsServer;
  let resolver: Resolver;

  before(async () => {
    dns = await TestDnsServer.start(['example.test']);
    resolver = new Resolver({ timeout: 2_000, tries: 1 });
    resolver.setServers([dns.resolver]);
  });
  after(async () => {
    await dns.close();
  });

  it('answers SOA and NS at the zone apex, and the A of its name server', async () => {
    const soa = await resolver.resolveSoa('example.test');
    assert.equal(soa.nsname, 'ns1.example.test');
    assert.deepEqual(await resolver.resolveNs('example.test'), ['ns1.example.test']);
    assert.deepEqual(await resolver.resolve4('ns1.example.test'), ['127.0.0.1']);
  });

  it('answers NOERROR without records for an empty non-terminal, NXDOMAIN below the apex, REFUSED outside its zones', async () => {
    dns.set('_acme-challenge.deep.sub.example.test', 'TXT', ['x']);
    await assert.rejects(resolver.resolveSoa('sub.example.test'), { code: 'ENODATA' });
    await assert.rejects(resolver.resolve4('nothing.example.test'), { code: 'ENOTFOUND' });
    await assert.rejects(resolver.resolve4('example.org'), { code: 'EREFUSED' });
  });

  it('changes answers at run time and falls back to TCP for answers too large for UDP', async () => {
    dns.set('big.example.test', 'TXT', ['x'.repeat(250), 'y'.repeat(250), 'z'.repeat(600)]);
    const records = await resolver.resolveTxt('big.example.test');
    assert.deepEqual(records.map((chunks) => chunks.join('').length), [250, 250, 600]);
    assert.ok(dns.queries.some((q) => q.name === 'big.example.test' && q.transport === 'tcp'));
    dns.set('big.example.test', 'TXT', []);
    await assert.rejects(resolver.resolveTxt('big.example.test'), { code: 'ENOTFOUND' });
  });
});
