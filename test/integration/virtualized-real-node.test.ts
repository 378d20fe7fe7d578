import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// virtualized_accelerator on the local cluster: a second instance of kaic's device plugin presents
// simulated virtual GPUs (example.com/vgpu) on the real node; the kwok nodes do not advertise them.
// Twin: the plugin grants them without their device files.

const rn = realNodeCheck('virtualized_accelerator');
const { run, text } = rn;

test('a virtual GPU is placed only where advertised, refused elsewhere, and its container finds its device', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'PlacedWhereAdvertised'), /placed on kaic-real-0, which advertises example\.com\/vgpu/);
  assert.match(text(r, 'RefusedWhereNotAdvertised'), /Insufficient example\.com\/vgpu/);
  assert.match(text(r, 'GrantedDeviceHealthy'), /is Ready: its probe found \/dev\/kaic-vgpu/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a virtual GPU granted without its device files FAILs the health probe', async (t) => {
  await rn.twin(t, { vgpuWithoutDevices: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL', rn.outcomes(r));
  assert.equal(rn.cases(r).GrantedDeviceHealthy, 'fail');
  assert.equal(rn.cases(r).PlacedWhereAdvertised, 'pass', 'scheduling is not what the twin breaks');
  assert.deepEqual(await rn.leftovers(r), []);
});
