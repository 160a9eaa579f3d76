import assert from 'node:assert/strict';
import request, { type Response, type Test } from 'supertest';
import type { TestCa } from './testCa.js';

/** A GET to a test CA over HTTPS, trusting its root. */
export function get(ca: Pick<TestCa, 'url' | 'rootPem'>, path: string): Test {
  return request(ca.url).get(path).ca(ca.rootPem);
}

/** A POST of a raw body to a test CA over HTTPS, trusting its root. */
export function post(ca: TestCa, path: string, body: string, contentType = 'application/json'): Test {
  return request(ca.url).post(path).ca(ca.rootPem).set('content-type', contentType).send(body);
}

/** Asserts a 200 answer of the given content type (JSON by default). */
export function assertOk(res: Response, contentType: 'application/json' | 'application/x-pem-file' = 'application/json'): void {
  assert.equal(res.status, 200, res.text);
  assert.match(String(res.headers['content-type']), new RegExp(`^${contentType}`));
}

/** The stable `code` api.md's error body carries for each status fedca answers with. */
const CODE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'ERR_BAD_REQUEST',
  401: 'ERR_UNAUTHORIZED',
  403: 'ERR_FORBIDDEN',
  404: 'ERR_NOT_FOUND',
  413: 'ERR_PAYLOAD_TOO_LARGE',
  429: 'ERR_RATE_LIMITED',
  500: 'ERR_INTERNAL',
  503: 'ERR_UNAVAILABLE',
};

/** Asserts api.md's error shape: the status, JSON, `{"status","code","message"}` and nothing else, the code that goes with the status. */
export function assertJsonError(res: Response, status: number, message?: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = JSON.parse(res.text) as { status: unknown; code: unknown; message: unknown };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'status']);
  assert.equal(body.status, status);
  assert.equal(body.code, CODE_OF_STATUS[status], `the code of a ${status}`);
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0, 'the message is empty');
  assert.doesNotMatch(body.message as string, /\n\s+at /, 'the message holds a stack trace');
  if (message) assert.match(body.message as string, message);
}
