import assert from 'node:assert/strict';
import { validateConfig } from '../src/config/load.js';

/** A minimal valid ca.json with `rateLimit` set. */
const withRateLimit = (rateLimit: unknown): Record<string, unknown> => ({
  root: 'pki/root_ca.crt',
  crt: 'pki/intermediate_ca.crt',
  key: 'pki/secrets/intermediate_ca_key',
  address: '127.0.0.1:9000',
  dnsNames: ['localhost'],
  rateLimit,
});

describe('config: rateLimit', () => {
  it('is off by default', () => {
    assert.equal(validateConfig(withRateLimit(undefined)).rateLimit, undefined);
  });

  it('reads per-address and per-provisioner buckets; burst defaults to requests', () => {
    const config = validateConfig(withRateLimit({ perAddress: { requests: 60, per: '1m' }, perProvisioner: { requests: 1000, per: '1h', burst: 50 } }));
    assert.deepEqual(config.rateLimit, { perAddress: { requests: 60, per: '1m', burst: 60 }, perProvisioner: { requests: 1000, per: '1h', burst: 50 } });
  });

  const refusals: [string, unknown, RegExp][] = [
    ['not an object', 5, /^rateLimit: must be an object/],
    ['an unknown limit', { perUser: {} }, /^rateLimit\.perUser: is not a rate limit \(perAddress, perProvisioner\)$/],
    ['a bucket without requests', { perAddress: { per: '1m' } }, /^rateLimit\.perAddress\.requests: is required$/],
    ['zero requests', { perAddress: { requests: 0, per: '1m' } }, /^rateLimit\.perAddress\.requests: must be a whole number from 1 to 1000000, got 0$/],
    ['a bucket without per', { perProvisioner: { requests: 5 } }, /^rateLimit\.perProvisioner\.per: is required$/],
    ['a per that is no duration', { perAddress: { requests: 5, per: 'minute' } }, /^rateLimit\.perAddress\.per: must be a positive duration/],
    ['a fractional burst', { perAddress: { requests: 5, per: '1m', burst: 1.5 } }, /^rateLimit\.perAddress\.burst: must be a whole number/],
  ];
  for (const [what, rateLimit, message] of refusals) {
    it(`refuses ${what}, in one line naming the key`, () => {
      assert.throws(() => validateConfig(withRateLimit(rateLimit)), (err: Error) => message.test(err.message) && !err.message.includes('\n'));
    });
  }
});
