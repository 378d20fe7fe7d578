import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// accelerator_metrics on the real node: kaic-gpu-exporter serves DCGM-format series for the DRA
// example driver's devices, behind a Service named as NVIDIA's exporter is. Three twins, each the
// same exporter with one thing off: a device without utilisation, series without device labels, a
// device missing. All FAIL, naming what is missing.

const rn = realNodeCheck('accelerator_metrics', { accelerator: 'example' });
const { run, cases, text } = rn;

test('every advertised device has a utilisation and a memory series, labelled with its UUID', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'UtilisationForEveryDevice'), /kaic-real-0: 4 device\(s\) with utilisation series, 4 advertised \(4 DRA device\(s\) of gpu\.example\.com\), every published UUID present/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a device without a utilisation series FAILs', async (t) => {
  await rn.twin(t, { metrics: 'omit-utilisation' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).UtilisationForEveryDevice, 'fail');
  assert.equal(cases(r).MemoryForEveryDevice, 'pass');
  assert.match(text(r, 'UtilisationForEveryDevice'), /no utilisation series for gpu-[0-9a-f-]+/);
});

test('series that name no device FAIL', async (t) => {
  await rn.twin(t, { metrics: 'no-device-labels' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).SeriesNameTheirDevice, 'fail');
  assert.match(text(r, 'SeriesNameTheirDevice'), /8 series with none, e\.g\. DCGM_FI_DEV_GPU_UTIL\{modelName=\\"LATEST-GPU-MODEL\\",Hostname=\\"kaic-real-0\\"\}/);
});

test('a device missing from the metrics FAILs, by count and by UUID', async (t) => {
  await rn.twin(t, { metrics: 'omit-device' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).UtilisationForEveryDevice, 'fail');
  assert.match(text(r, 'UtilisationForEveryDevice'), /utilisation series for all 4 devices kaic-real-0 advertises.*series for 3/);
});
