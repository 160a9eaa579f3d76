import assert from 'node:assert/strict';
import { TARGETS } from './fuzz/targets.js';

/** Every fuzz target, briefly: a few hundred inputs or three seconds each (`npm run fuzz` runs them longer). */
describe('fuzzing the parsers of attacker bytes', function () {
  this.timeout(20_000);
  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
  for (const target of TARGETS) {
    it(`${target.name} (seed ${seed})`, async () => {
      const outcome = await target.run({ seed, numRuns: 300, interruptAfterTimeLimit: 3_000, markInterruptAsFailure: false });
      assert.equal(outcome.failed, false, outcome.report);
      assert.ok(outcome.numRuns > 0, 'no input was tried');
    });
  }
});
