import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nodeConfig, paths } from '../../localcluster/local-cluster.js';
import { setTwin } from '../../localcluster/real-node.js';
import { runSuite } from '../../src/run/suite.js';
import { realNodeCluster, type RealNodeCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

// gpu_sharing on the real node: the DRA example driver shares one claimed device between two
// running pods, and the containers show it; the twin whose CDI spec hands every device to every
// claimant FAILs, because a sharer then sees more than the device it shares.

let cluster: RealNodeCluster;
before(async () => {
  cluster = await realNodeCluster();
});
after(() => cluster?.release());

type Run = Awaited<ReturnType<typeof runSuite>>;
const cases = (r: Run) => Object.fromEntries(r.checks[0]!.cases.map((c) => [c.name, c.outcome.verdict]));
const text = (r: Run, name: string) => JSON.stringify(r.checks[0]!.cases.find((c) => c.name === name)!.outcome);
const run = async () => runSuite({ checklist: await checklist('v1.37'), kubeconfig: paths(cluster.name).kubeconfig, only: ['gpu_sharing'], accelerator: 'example' });

test('one claimed device is shared by two running pods, and both containers see that device only', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome]), null, 1));
  assert.deepEqual(cases(r), { SharedClaimOneAllocation: 'pass', SharersSeeOneDevice: 'pass', PartitionSchedulable: 'not-applicable', ReplicasOversubscribe: 'not-applicable' });
  assert.match(text(r, 'SharersSeeOneDevice'), /both sharers saw (gpu-\d), the allocated device kaic-real-0\/\1; the pod with its own claim saw gpu-\d/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});

test('a DRA driver whose CDI spec exposes every device FAILs sharing: a sharer sees more than its device', async (t) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, { draCdiExposesAllDevices: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).SharedClaimOneAllocation, 'pass', 'the allocation itself is right; the containers are not');
  assert.equal(cases(r).SharersSeeOneDevice, 'fail');
  assert.match(text(r, 'SharersSeeOneDevice'), /sharer-a, sharing one claimed device, sees exactly that device.*identities gpu-0, gpu-1, gpu-2, gpu-3/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});
