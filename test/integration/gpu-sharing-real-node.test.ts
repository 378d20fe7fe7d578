import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// gpu_sharing on the real node: the DRA example driver shares one claimed device between two
// running pods, and the containers show it; the twin whose CDI spec hands every device to every
// claimant FAILs, because a sharer then sees more than the device it shares.

const rn = realNodeCheck('gpu_sharing', { accelerator: 'example' });
const { run, cases, text } = rn;

test('one claimed device is shared by two running pods, and both containers see that device only', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.deepEqual(cases(r), { SharedClaimOneAllocation: 'pass', SharersSeeOneDevice: 'pass', PartitionSchedulable: 'not-applicable', ReplicasOversubscribe: 'not-applicable' });
  assert.match(text(r, 'SharersSeeOneDevice'), /both sharers saw (gpu-\d), the allocated device kaic-real-0\/\1; the pod with its own claim saw gpu-\d/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a DRA driver whose CDI spec exposes every device FAILs sharing: a sharer sees more than its device', async (t) => {
  await rn.twin(t, { draCdiExposesAllDevices: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).SharedClaimOneAllocation, 'pass', 'the allocation itself is right; the containers are not');
  assert.equal(cases(r).SharersSeeOneDevice, 'fail');
  assert.match(text(r, 'SharersSeeOneDevice'), /sharer-a, sharing one claimed device, sees exactly that device.*identities gpu-0, gpu-1, gpu-2, gpu-3/);
  assert.deepEqual(await rn.leftovers(r), []);
});
