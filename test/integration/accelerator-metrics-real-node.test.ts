import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nodeConfig, paths } from '../../localcluster/local-cluster.js';
import { setTwin, type RealNodeTwin } from '../../localcluster/real-node.js';
import { runSuite } from '../../src/run/suite.js';
import { realNodeCluster, type RealNodeCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

// accelerator_metrics on the real node: kaic-gpu-exporter serves DCGM-format series for the DRA
// example driver's devices, behind a Service named as NVIDIA's exporter is. Three twins, each the
// same exporter with one thing off: a device without utilisation, series without device labels, a
// device missing. All FAIL, naming what is missing.

let cluster: RealNodeCluster;
before(async () => {
  cluster = await realNodeCluster();
});
after(() => cluster?.release());

type Run = Awaited<ReturnType<typeof runSuite>>;
const cases = (r: Run) => Object.fromEntries(r.checks[0]!.cases.map((c) => [c.name, c.outcome.verdict]));
const text = (r: Run, name: string) => JSON.stringify(r.checks[0]!.cases.find((c) => c.name === name)!.outcome);
const run = async () => runSuite({ checklist: await checklist('v1.37'), kubeconfig: paths(cluster.name).kubeconfig, only: ['accelerator_metrics'], accelerator: 'example' });
const withTwin = async (t: { after: (fn: () => Promise<void>) => void }, twin: RealNodeTwin) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, twin);
  return run();
};

test('every advertised device has a utilisation and a memory series, labelled with its UUID', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome]), null, 1));
  assert.match(text(r, 'UtilisationForEveryDevice'), /kaic-real-0: 4 device\(s\) with utilisation series, 4 advertised \(4 DRA device\(s\) of gpu\.example\.com\), every published UUID present/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});

test('a device without a utilisation series FAILs', async (t) => {
  const r = await withTwin(t, { metrics: 'omit-utilisation' });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).UtilisationForEveryDevice, 'fail');
  assert.equal(cases(r).MemoryForEveryDevice, 'pass');
  assert.match(text(r, 'UtilisationForEveryDevice'), /no utilisation series for gpu-[0-9a-f-]+/);
});

test('series that name no device FAIL', async (t) => {
  const r = await withTwin(t, { metrics: 'no-device-labels' });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).SeriesNameTheirDevice, 'fail');
  assert.match(text(r, 'SeriesNameTheirDevice'), /8 series with none, e\.g\. DCGM_FI_DEV_GPU_UTIL\{modelName=\\"LATEST-GPU-MODEL\\",Hostname=\\"kaic-real-0\\"\}/);
});

test('a device missing from the metrics FAILs, by count and by UUID', async (t) => {
  const r = await withTwin(t, { metrics: 'omit-device' });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).UtilisationForEveryDevice, 'fail');
  assert.match(text(r, 'UtilisationForEveryDevice'), /utilisation series for all 4 devices kaic-real-0 advertises.*series for 3/);
});
