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

/** Asserts api.md's error shape: the status, JSON, `{"status","message"}` and nothing else. */
export function assertJsonError(res: Response, status: number, message?: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = JSON.parse(res.text) as { status: unknown; message: unknown };
  assert.deepEqual(Object.keys(body).sort(), ['message', 'status']);
  assert.equal(body.status, status);
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0, 'the message is empty');
  assert.doesNotMatch(body.message as string, /\n\s+at /, 'the message holds a stack trace');
  if (message) assert.match(body.message as string, message);
}
