/**
 * `npm run fuzz -- [--seconds N] [--seed S] [--only TEXT]`: runs every fuzz target
 * of targets.ts for its share of N seconds (default 60) with one printed seed, and
 * exits non-zero with fast-check's counterexample when a property fails.
 */
import { TARGETS } from './targets.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(option('seconds') ?? 60);
const seed = Number(option('seed') ?? Date.now() % 2 ** 31);
const only = option('only');
if (!(seconds > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- [--seconds N] [--seed S] [--only TEXT]');
  process.exit(2);
}
const targets = TARGETS.filter((t) => !only || t.name.includes(only));
const share = (seconds * 1000) / targets.length;
console.log(`fuzzing ${targets.length} targets for ${seconds} s, seed ${seed} (rerun with --seed ${seed})`);
let failed = false;
for (const target of targets) {
  const outcome = await target.run({ seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: share, markInterruptAsFailure: false });
  if (outcome.failed) failed = true;
  console.log(`${outcome.failed ? 'FAIL' : 'ok  '} ${target.name}: ${outcome.numRuns} inputs${outcome.failed ? `\n${outcome.report}` : ''}`);
}
process.exit(failed ? 1 : 0);
