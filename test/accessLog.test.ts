import assert from 'node:assert/strict';
import { get } from './helpers/http.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { eventually } from './helpers/wait.js';

interface LogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  clientSubject?: string;
}

describe('access log', () => {
  let ca: TestCa;
  before(async () => {
    ca = await startTestCa();
  });
  after(async () => ca?.stop());

  /** The log entries for `path` written since entry `from`. */
  const entriesFor = (from: number, path: string): LogEntry[] =>
    ca.logLines.slice(from).map((l) => JSON.parse(l) as LogEntry).filter((e) => e.path === path);

  it('writes one JSON line per request with method, path (no query), status and duration', async () => {
    const from = ca.logLines.length;
    await get(ca, '/1.0/provisioners?limit=2');
    const [entry] = await eventually(() => {
      const found = entriesFor(from, '/1.0/provisioners');
      return found.length ? found : undefined;
    });
    assert.equal(entry.method, 'GET');
    assert.equal(entry.status, 200);
    assert.equal(typeof entry.durationMs, 'number');
    assert.ok(entry.durationMs >= 0);
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
    assert.equal(entry.clientSubject, undefined, 'no client certificate was sent');
    assert.equal(entriesFor(from, '/1.0/provisioners').length, 1);
  });

  it('logs errors with their status', async () => {
    const from = ca.logLines.length;
    await get(ca, '/root/00');
    const [entry] = await eventually(() => {
      const found = entriesFor(from, '/root/00');
      return found.length ? found : undefined;
    });
    assert.equal(entry.status, 404);
  });
});
