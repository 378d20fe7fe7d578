import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// secure_accelerator_access on the real node, where containers run: both allocation paths (the DRA
// example driver through CDI, kaic's device plugin) prove every case for real, and each sabotaged
// twin — a plugin handing every device to every container, a CDI spec exposing every device — FAILs.

const rn = realNodeCheck('secure_accelerator_access', { accelerator: 'example', version: 'v1.35' });
const { run, cases, text } = rn;

test('on the real node both allocation paths are proven for real: every case passes or does not apply', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  for (const name of ['GrantedContainerSeesItsDevice', 'MediatedDeviceMatchesAllocation', 'UngrantedPodSeesNone', 'UngrantedSiblingSeesNone', 'DistinctDevicesInsideContainers']) assert.equal(cases(r)[name], 'pass', name);
  // Both paths were probed inside containers, not just one.
  assert.match(text(r, 'GrantedContainerSeesItsDevice'), /DRA: granted container saw .*gpu-\d.*device plugin: granted container saw 1 device file/);
  assert.match(text(r, 'MediatedDeviceMatchesAllocation'), /the container sees gpu-\d, the device its claim was allocated/);
  assert.equal(cases(r).VisibleDevicesEnvEscape, 'not-applicable');
  assert.equal(r.cluster.anySimulated, true, 'the devices are simulated, and the run says so');
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a device plugin that hands every device to every container FAILs isolation', async (t) => {
  await rn.twin(t, { shareAllDevices: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).GrantedContainerSeesItsDevice, 'fail');
  assert.match(text(r, 'GrantedContainerSeesItsDevice'), /device plugin: a container granted one accelerator sees exactly one.*4 device file/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a DRA driver whose CDI spec exposes every device FAILs isolation', async (t) => {
  await rn.twin(t, { draCdiExposesAllDevices: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(r, 'GrantedContainerSeesItsDevice'), /DRA: a container granted one accelerator sees exactly one/);
  assert.deepEqual(await rn.leftovers(r), []);
});
