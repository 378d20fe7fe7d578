import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nodeConfig, paths } from '../../localcluster/local-cluster.js';
import { setTwin } from '../../localcluster/real-node.js';
import { runSuite } from '../../src/run/suite.js';
import { realNodeCluster, type RealNodeCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

// secure_accelerator_access on the real node, where containers run: both allocation paths (the DRA
// example driver through CDI, kaic's device plugin) prove every case for real, and each sabotaged
// twin — a plugin handing every device to every container, a CDI spec exposing every device — FAILs.

let cluster: RealNodeCluster;
before(async () => {
  cluster = await realNodeCluster();
});
after(() => cluster?.release());

type Run = Awaited<ReturnType<typeof runSuite>>;
const cases = (r: Run) => Object.fromEntries(r.checks[0]!.cases.map((c) => [c.name, c.outcome.verdict]));
const text = (r: Run, name: string) => JSON.stringify(r.checks[0]!.cases.find((c) => c.name === name)!.outcome);
const run = async () => runSuite({ checklist: await checklist(), kubeconfig: paths(cluster.name).kubeconfig, only: ['secure_accelerator_access'], accelerator: 'example' });

test('on the real node both allocation paths are proven for real: every case passes or does not apply', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome]), null, 1));
  for (const name of ['GrantedContainerSeesItsDevice', 'MediatedDeviceMatchesAllocation', 'UngrantedPodSeesNone', 'UngrantedSiblingSeesNone', 'DistinctDevicesInsideContainers']) assert.equal(cases(r)[name], 'pass', name);
  // Both paths were probed inside containers, not just one.
  assert.match(text(r, 'GrantedContainerSeesItsDevice'), /DRA: granted container saw .*gpu-\d.*device plugin: granted container saw 1 device file/);
  assert.match(text(r, 'MediatedDeviceMatchesAllocation'), /the container sees gpu-\d, the device its claim was allocated/);
  assert.equal(cases(r).VisibleDevicesEnvEscape, 'not-applicable');
  assert.equal(r.cluster.anySimulated, true, 'the devices are simulated, and the run says so');
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});

test('a device plugin that hands every device to every container FAILs isolation', async (t) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, { shareAllDevices: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).GrantedContainerSeesItsDevice, 'fail');
  assert.match(text(r, 'GrantedContainerSeesItsDevice'), /device plugin: a container granted one accelerator sees exactly one.*4 device file/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});

test('a DRA driver whose CDI spec exposes every device FAILs isolation', async (t) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, { draCdiExposesAllDevices: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(r, 'GrantedContainerSeesItsDevice'), /DRA: a container granted one accelerator sees exactly one/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});
