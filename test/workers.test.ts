import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { connectionScheduling, defaultWorkerCount } from '../src/server/workers.js';

/** Issue 10: a worker killed under load must leave no connection hanging in the primary. */
describe('server workers', () => {
  it('by default, one per CPU but one, and at least one (a single process on 1 or 2 CPUs)', () => {
    assert.deepEqual([1, 2, 3, 8].map((cpus) => defaultWorkerCount(cpus)), [1, 1, 2, 7]);
  });

  it('take connections from the kernel (SCHED_NONE), not round robin through the primary, unless NODE_CLUSTER_SCHED_POLICY says', () => {
    assert.equal(connectionScheduling({}), cluster.SCHED_NONE);
    assert.equal(connectionScheduling({ NODE_CLUSTER_SCHED_POLICY: 'rr' }), cluster.schedulingPolicy);
  });
});
