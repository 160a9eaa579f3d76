import assert from 'node:assert/strict';
import { parseLog, type LogEntry } from './helpers/accessLog.js';
import { get } from './helpers/http.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { eventually } from './helpers/wait.js';

describe('access log', () => {
  let ca: TestCa;
  before(async () => {
    ca = await startTestCa();
  });
  after(async () => ca?.stop());

  /** GETs `url` and resolves the log entries written for `path` since. */
  async function logged(url: string, path: string): Promise<LogEntry[]> {
    const from = ca.logLines.length;
    await get(ca, url);
    return eventually(() => {
      const found = parseLog(ca.logLines.slice(from)).filter((e) => e.path === path);
      return found.length ? found : undefined;
    }, `a log line for ${path}`);
  }

  it('writes one JSON line per request with method, path (no query), status and duration', async () => {
    const entries = await logged('/1.0/provisioners?limit=2', '/1.0/provisioners');
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry.method, 'GET');
    assert.equal(entry.status, 200);
    assert.equal(typeof entry.durationMs, 'number');
    assert.ok(entry.durationMs >= 0);
    assert.ok(!Number.isNaN(Date.parse(entry.time)));
    assert.equal(entry.clientSubject, undefined, 'no client certificate was sent');
  });

  it('logs errors with their status', async () => {
    const [entry] = await logged('/root/00', '/root/00');
    assert.equal(entry.status, 404);
  });
});
