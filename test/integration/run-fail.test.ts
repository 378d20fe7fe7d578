import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { RunScope } from '../../src/cluster/scope.js';
import { paths } from '../../localcluster/local-cluster.js';
import { runSuite } from '../../src/run/suite.js';
import { localCluster } from './local-cluster.js';
import { checklist, leftovers, twinCluster } from './run-helpers.js';

const verdicts = (r: Awaited<ReturnType<typeof runSuite>>) => Object.fromEntries(r.checks.map((c) => [c.id, c.verdict]));
const caseOf = (r: Awaited<ReturnType<typeof runSuite>>, id: string, name: string) => r.checks.find((c) => c.id === id)!.cases.find((c) => c.name === name)!.outcome;

test('dra_support FAILs when the DRA API is switched off in the API server', async (t) => {
  const kubeconfig = await twinCluster(t, 'kaic-nodra', { runtimeConfig: 'resource.k8s.io/v1=false,resource.k8s.io/v1beta1=false,resource.k8s.io/v1beta2=false,scheduling.k8s.io/v1beta1=true', draDriver: false });
  const r = await runSuite({ checklist: await checklist(), kubeconfig, only: ['dra_support'] });
  assert.deepEqual(verdicts(r), { dra_support: 'FAIL' });
  const o = caseOf(r, 'dra_support', 'APIServed');
  assert.equal(o.verdict, 'fail');
  assert.match((o as { observed: string }).observed, /not served/);
  assert.equal(caseOf(r, 'dra_support', 'ClaimAllocatedAndReserved').verdict, 'not-run');
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('dra_support FAILs with no driver publishing slices; gang_scheduling FAILs when the scheduler ignores the gang (partial placement)', async (t) => {
  // API server serves the Workload API, but the scheduler runs with the gang feature off: the API
  // is present, the behaviour absent, exactly what presence checks miss.
  const kubeconfig = await twinCluster(t, 'kaic-broken', { featureGates: 'GenericWorkload=true', draDriver: false, extraArgs: ['kube-scheduler=feature-gates=GenericWorkload=false'] });
  const r = await runSuite({ checklist: await checklist(), kubeconfig, only: ['dra_support', 'gang_scheduling'], settings: { 'gang.window': '8s' } });
  assert.deepEqual(verdicts(r), { dra_support: 'FAIL', gang_scheduling: 'FAIL' });
  const dc = caseOf(r, 'dra_support', 'DeviceClassPresent');
  assert.equal(dc.verdict, 'fail');
  assert.match((dc as { observed: string }).observed, /no DeviceClass at all/);
  const gang = caseOf(r, 'gang_scheduling', 'AllOrNothing');
  assert.equal(gang.verdict, 'fail');
  assert.match((gang as { observed: string }).observed, /^[1-4] of 5 pods bound \(partial placement\)/);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('gang_scheduling is NOT-RUN, never PASS, when no gang scheduler exists', async (t) => {
  const kubeconfig = await twinCluster(t, 'kaic-nogang', { featureGates: '', runtimeConfig: '', draDriver: false });
  const r = await runSuite({ checklist: await checklist(), kubeconfig, only: ['gang_scheduling'] });
  assert.deepEqual(verdicts(r), { gang_scheduling: 'NOT-RUN' });
  assert.match(r.checks[0]!.notRun!.detail, /no gang scheduler found/);
  assert.match(r.checks[0]!.notRun!.remedy!, /Kueue/);
});

test('secure_accelerator_access FAILs when a driver publishes one physical device twice', async (t) => {
  const kc = loadKubeConfig({ kubeconfig: (await localCluster(), paths().kubeconfig) });
  // A misconfigured driver: two "devices" on two nodes that are the same GPU (same UUID).
  const sabotage = new RunScope(kc, 'sabotage');
  t.after(() => sabotage.sweep());
  await sabotage.create('DeviceClass', { metadata: { name: 'dup.kaic.dev' }, spec: { selectors: [{ cel: { expression: 'device.driver == "dup.kaic.dev"' } }] } } as never);
  for (const node of ['kaic-gpu-2', 'kaic-gpu-3']) {
    await sabotage.create('ResourceSlice', { metadata: { name: `${node}-dup` }, spec: { driver: 'dup.kaic.dev', nodeName: node, pool: { name: node, generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0', attributes: { uuid: { string: 'GPU-SAME-PHYSICAL-DEVICE' } } }] } } as never);
  }
  const r = await runSuite({ checklist: await checklist(), kubeconfig: paths().kubeconfig, only: ['secure_accelerator_access'], accelerator: 'dra:dup.kaic.dev' });
  assert.deepEqual(verdicts(r), { secure_accelerator_access: 'FAIL' });
  const o = caseOf(r, 'secure_accelerator_access', 'DRAAllocationsAreExclusive');
  assert.equal(o.verdict, 'fail');
  assert.match((o as { observed: string }).observed, /same device: both have uuid GPU-SAME-PHYSICAL-DEVICE/);
  assert.deepEqual(await leftovers(paths().kubeconfig, r.runId), []);
});

test('a check that runs out of time is NOT-RUN (timeout), never PASS, and still cleans up', async () => {
  await localCluster();
  const r = await runSuite({ checklist: await checklist(), kubeconfig: paths().kubeconfig, only: ['gang_scheduling'], settings: { 'gang.window': '30s' }, checkTimeoutMs: 5_000 });
  assert.deepEqual(verdicts(r), { gang_scheduling: 'NOT-RUN' });
  const o = caseOf(r, 'gang_scheduling', 'AllOrNothing');
  assert.equal(o.verdict, 'not-run');
  assert.equal((o as { reason: string }).reason, 'timeout');
  assert.ok(r.checks[0]!.cases.every((c) => c.outcome.verdict !== 'pass'));
  assert.deepEqual(await leftovers(paths().kubeconfig, r.runId), []);
});
