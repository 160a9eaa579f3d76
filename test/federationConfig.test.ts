import assert from 'node:assert/strict';
import { validateConfig } from '../src/config/load.js';

const FP = 'ab'.repeat(32);

/** A minimal valid ca.json with `federation` set to `federation`. */
const withFederation = (federation: unknown): Record<string, unknown> => ({
  root: 'pki/root_ca.crt',
  crt: 'pki/intermediate_ca.crt',
  key: 'pki/secrets/intermediate_ca_key',
  address: '127.0.0.1:9000',
  dnsNames: ['localhost'],
  federation,
});

describe('config: federation (peers and refresh)', () => {
  it('defaults to no peers, refreshed hourly, at most 10 roots and 256 KiB a peer, 10 s a fetch', () => {
    assert.deepEqual(validateConfig(withFederation(undefined)).federation, { peers: [], refresh: '1h', maxRoots: 10, maxBytes: 262144, timeout: '10s' });
  });

  it('takes maxRoots (also per peer), maxBytes and timeout', () => {
    const config = validateConfig(withFederation({ peers: [{ url: 'https://ca:1', fingerprint: FP, maxRoots: 3 }], maxRoots: 5, maxBytes: 4096, timeout: '2s' }));
    assert.deepEqual(config.federation, { peers: [{ url: 'https://ca:1', fingerprint: FP, maxRoots: 3 }], refresh: '1h', maxRoots: 5, maxBytes: 4096, timeout: '2s' });
  });

  it('normalises the peer URL and fingerprint', () => {
    const config = validateConfig(withFederation({ peers: [{ url: 'https://ca.other-cloud:2443/', fingerprint: FP.toUpperCase().replace(/(..)(?!$)/g, '$1:') }], refresh: '15m' }));
    assert.deepEqual(config.federation, { peers: [{ url: 'https://ca.other-cloud:2443', fingerprint: FP }], refresh: '15m', maxRoots: 10, maxBytes: 262144, timeout: '10s' });
  });

  const refusals: [string, unknown, RegExp][] = [
    ['not an object', [], /^federation: must be an object/],
    ['peers not a list', { peers: {} }, /^federation\.peers: must be a list$/],
    ['a peer that is a string', { peers: ['https://x'] }, /^federation\.peers\[0\]: must be an object/],
    ['a peer without url', { peers: [{ fingerprint: FP }] }, /^federation\.peers\[0\]\.url: is required$/],
    ['an http url', { peers: [{ url: 'http://ca:1', fingerprint: FP }] }, /^federation\.peers\[0\]\.url: must be an https URL/],
    ['a url with a query', { peers: [{ url: 'https://ca:1/?x=1', fingerprint: FP }] }, /^federation\.peers\[0\]\.url: must not have a query/],
    ['a short fingerprint', { peers: [{ url: 'https://ca:1', fingerprint: 'abc' }] }, /^federation\.peers\[0\]\.fingerprint: must be the SHA-256/],
    ['a missing fingerprint', { peers: [{ url: 'https://ca:1' }] }, /^federation\.peers\[0\]\.fingerprint: is required$/],
    ['the same peer twice', { peers: [{ url: 'https://ca:1', fingerprint: FP }, { url: 'https://ca:1/', fingerprint: FP }] }, /^federation\.peers\[1\]\.url: duplicate peer/],
    ['a refresh that is no duration', { refresh: 'hourly' }, /^federation\.refresh: must be a positive duration/],
    ['a zero refresh', { refresh: '0s' }, /^federation\.refresh: must be a positive duration/],
    ['a zero maxRoots', { maxRoots: 0 }, /^federation\.maxRoots: must be a whole number from 1 to 1000, got 0$/],
    ['a peer maxRoots that is text', { peers: [{ url: 'https://ca:1', fingerprint: FP, maxRoots: '5' }] }, /^federation\.peers\[0\]\.maxRoots: must be a whole number/],
    ['a maxBytes over 8 MiB', { maxBytes: 9e6 }, /^federation\.maxBytes: must be a whole number from 1 to 8388608/],
    ['a timeout that is no duration', { timeout: 10 }, /^federation\.timeout: must be a positive duration/],
  ];
  for (const [what, federation, message] of refusals) {
    it(`refuses ${what}, in one line naming the key`, () => {
      assert.throws(
        () => validateConfig(withFederation(federation)),
        (err: Error) => {
          assert.match(err.message, message);
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    });
  }
});
