import assert from 'node:assert/strict';
import { assertJsonError, get, post } from './helpers/http.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

const LIMIT = 256 * 1024;

/** A JSON document of exactly `size` bytes. */
function jsonOfSize(size: number): string {
  const frame = '{"pad":""}';
  return `{"pad":"${'x'.repeat(size - frame.length)}"}`;
}

describe('HTTP errors are JSON', () => {
  let ca: TestCa;
  before(async () => {
    ca = await startTestCa();
  });
  after(async () => ca?.stop());

  for (const path of ['/health', '/1.0/sign', '/no/such/route']) {
    it(`a body over 256 KiB POSTed to ${path} is a 413 JSON error`, async () => {
      const body = jsonOfSize(LIMIT + 1);
      assert.equal(Buffer.byteLength(body), LIMIT + 1);
      assertJsonError(await post(ca, path, body), 413, /too large/);
    });
  }

  it('a body of exactly 256 KiB is read (and the missing route is then a 404)', async () => {
    const body = jsonOfSize(LIMIT);
    assert.equal(Buffer.byteLength(body), LIMIT);
    assertJsonError(await post(ca, '/health', body), 404);
  });

  it('a body over 256 KiB is refused whatever its content type', async () => {
    assertJsonError(await post(ca, '/1.0/sign', 'x'.repeat(LIMIT + 1), 'text/plain'), 413);
  });

  for (const body of ['{"csr":', 'not json', '{"a":1}}']) {
    it(`an invalid JSON body (${body}) is a 400 JSON error`, async () => {
      assertJsonError(await post(ca, '/1.0/sign', body), 400, /JSON/);
    });
  }

  it('an unknown route is a 404 JSON error naming it', async () => {
    assertJsonError(await get(ca, '/1.0/nope'), 404, /\/1\.0\/nope/);
  });
});
