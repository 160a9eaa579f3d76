import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { startFedca, type RunningCa } from './helpers/cli.js';
import { initTestHome, type TestHome } from './helpers/testCa.js';

/** What became of one request: answered, cut (the connection reset), or left hanging until the client gave up. */
type Fate = 'answered' | 'cut' | 'hung';

/** GET /version on a connection of its own (so the kernel spreads them over the workers); `hung` after `timeoutMs` of silence. */
function fateOf(port: number, rootPem: string, timeoutMs: number): Promise<Fate> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, servername: 'localhost', path: '/version', ca: rootPem, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve('answered'));
      res.on('error', () => resolve('cut'));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('hung');
    });
    req.on('error', () => resolve('cut'));
    req.end();
  });
}

describe('a worker killed under load', () => {
  let home: TestHome;
  let ca: RunningCa | undefined;
  after(async () => {
    await ca?.stop('SIGKILL');
    rmSync(home.home, { recursive: true, force: true });
  });

  it('leaves no request hanging: each is answered or cut at once, and the other worker serves on', async function () {
    this.timeout(240_000);
    home = await initTestHome();
    ca = await startFedca(['--home', home.home, '--password-file', home.passwordFile, '--workers', '2', '--quiet']);
    const port = ca.port;
    const primary = ca.child.pid as number;
    const [victim] = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim().split(/\s+/).map(Number);
    const rootPem = readFileSync(join(home.home, 'pki/root_ca.crt'), 'utf8');
    const fates: Fate[] = [];
    const TOTAL = 1200;
    let sent = 0;
    const client = async (): Promise<void> => {
      while (sent < TOTAL) {
        sent++;
        if (sent === TOTAL / 4) process.kill(victim, 'SIGKILL');
        fates.push(await fateOf(port, rootPem, 10_000));
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    const count = (fate: Fate): number => fates.filter((f) => f === fate).length;
    assert.equal(count('hung'), 0, `${count('hung')} request(s) hung until the client's timeout (${count('cut')} cut, ${count('answered')} answered)`);
    assert.ok(count('answered') >= TOTAL - 100, `only ${count('answered')} of ${TOTAL} answered`);
    assert.match(ca.stderr(), new RegExp(`"msg":"server worker exited; restarting it","pid":${victim}`));
  });
});
