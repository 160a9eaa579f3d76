import assert from 'node:assert/strict';
import { tokenExpiry } from '../src/cli/options.js';

describe('fedca token --not-after: a time, or a duration counted from when the token is signed', () => {
  it('a duration becomes the token lifetime (exp − iat exactly, however long loading the provisioner took)', () => {
    assert.deepEqual(tokenExpiry('1m'), { lifetimeMs: 60_000 });
    assert.deepEqual(tokenExpiry('1h30m'), { lifetimeMs: 5_400_000 });
  });

  it('an RFC 3339 time is the notAfter itself; no flag, neither', () => {
    assert.deepEqual(tokenExpiry('2030-01-02T03:04:05Z'), { notAfter: new Date('2030-01-02T03:04:05Z') });
    assert.deepEqual(tokenExpiry(undefined), {});
  });
});
