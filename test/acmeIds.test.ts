import assert from 'node:assert/strict';
import { acmeId } from '../src/authority/acme/ids.js';

describe('ACME ids', () => {
  it('are base64url of the bytes asked for, never starting with "-" (typed as CLI arguments), and spread over the rest', () => {
    const ids = Array.from({ length: 2000 }, () => acmeId());
    for (const id of ids) assert.match(id, /^[A-Za-f][A-Za-z0-9_-]{21}$/);
    assert.equal(new Set(ids).size, ids.length);
    // 2,000 draws: each of the 32 first characters and '-' and '_' further on turn up.
    assert.equal(new Set(ids.map((id) => id[0])).size, 32);
    assert.ok(ids.some((id) => id.slice(1).includes('-')) && ids.some((id) => id.slice(1).includes('_')));
    assert.match(acmeId(32), /^[A-Za-f][A-Za-z0-9_-]{42}$/);
  });
});
