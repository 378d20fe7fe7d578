import type { V1Node } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawRequest } from '../../src/cluster/api.js';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { isReady } from '../../src/cluster/view.js';
import { paths } from '../../localcluster/local-cluster.js';
import { runSuite } from '../../src/run/suite.js';
import { localCluster } from './local-cluster.js';
import { checklist, leftovers, twinCluster } from './run-helpers.js';

// Sabotaged twins: real components with one thing off. Each check must get its required verdict,
// and the false PASS / false FAIL the engine review found must not come back.

type Run = Awaited<ReturnType<typeof runSuite>>;
const verdicts = (r: Run) => Object.fromEntries(r.checks.map((c) => [c.id, c.verdict]));
const caseOf = (r: Run, id: string, name: string) => r.checks.find((c) => c.id === id)!.cases.find((c) => c.name === name)!.outcome;
const observed = (o: unknown) => (o as { observed?: string; detail?: string; because?: string }).observed ?? (o as { detail?: string }).detail ?? (o as { because?: string }).because ?? '';

/** A DeviceClass and one complete pool per node for `driver`, each device with its own uuid. */
async function fakeDriver(kubeconfig: string, driver: string, nodes: string[], devices = 2, sameUuid = false) {
  const kc = loadKubeConfig({ kubeconfig });
  const created: string[] = [];
  await rawRequest(kc, 'POST', '/apis/resource.k8s.io/v1/deviceclasses', { metadata: { name: driver }, spec: { selectors: [{ cel: { expression: `device.driver == "${driver}"` } }] } });
  created.push(`/apis/resource.k8s.io/v1/deviceclasses/${driver}`);
  for (const [i, node] of nodes.entries()) {
    const name = `${node}-${driver}`;
    await rawRequest(kc, 'POST', '/apis/resource.k8s.io/v1/resourceslices', { metadata: { name }, spec: { driver, nodeName: node, pool: { name: node, generation: 1, resourceSliceCount: 1 }, devices: Array.from({ length: devices }, (_, d) => ({ name: `dev-${d}`, attributes: { uuid: { string: sameUuid ? 'SAME-PHYSICAL-DEVICE' : `${driver}-${i}-${d}` }, index: { int: d } } })) } });
    created.push(`/apis/resource.k8s.io/v1/resourceslices/${name}`);
  }
  return async () => {
    for (const p of created.reverse()) await rawRequest(kc, 'DELETE', p).catch(() => undefined);
  };
}

test('dra_support FAILs when the DRA API of the cluster\'s version is switched off in the API server', async (t) => {
  const kubeconfig = await twinCluster(t, 'kaic-nodra', { runtimeConfig: 'resource.k8s.io/v1=false,resource.k8s.io/v1beta1=true,resource.k8s.io/v1beta2=true,scheduling.k8s.io/v1beta1=true', draDriver: false });
  const r = await runSuite({ checklist: await checklist(), kubeconfig, only: ['dra_support'] });
  assert.deepEqual(verdicts(r), { dra_support: 'FAIL' });
  const o = caseOf(r, 'dra_support', 'APIServed');
  assert.equal(o.verdict, 'fail');
  // Kubernetes 1.37 must serve resource.k8s.io/v1: the betas left on do not count.
  assert.match(observed(o), /not served .*served: resource\.k8s\.io\/v1beta/);
  assert.equal(caseOf(r, 'dra_support', 'ClaimAllocatedAndReserved').verdict, 'not-run');
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('a scheduler without gang support never passes gang_scheduling: not with free GPUs, not with GPUs in use, not on millicore CPU nodes; driverless, plugin-only and non-NVIDIA DRA clusters are judged on what they have', async (t) => {
  // The API server serves the Workload API, but the scheduler runs with the gang feature off: the
  // API is present, the behaviour absent, exactly what presence checks miss.
  const kubeconfig = await twinCluster(t, 'kaic-broken', { featureGates: 'GenericWorkload=true', draDriver: false, extraArgs: ['kube-scheduler=feature-gates=GenericWorkload=false'] });
  const kc = loadKubeConfig({ kubeconfig });
  const settings = { 'gang.window': '5s' };
  const r = await runSuite({ checklist: await checklist(), kubeconfig, only: ['dra_support', 'gang_scheduling', 'secure_accelerator_access'], settings });
  // The DRA API is served but no driver is installed: not proven, and not a broken DRA either.
  assert.equal(verdicts(r).dra_support, 'NOT-RUN');
  assert.match(observed(caseOf(r, 'dra_support', 'DeviceClassPresent')), /no DRA driver is installed/);
  assert.equal(verdicts(r).gang_scheduling, 'FAIL');
  assert.match(observed(caseOf(r, 'gang_scheduling', 'AllOrNothing')), /^[1-9] of \d pods bound \(partial placement\)/);
  // A device-plugin-only cluster: the DRA cases do not apply (not NOT-RUN), the plugin path is proven.
  for (const name of ['DRAAllocationsAreExclusive', 'DRAFullNodeRefusesNext']) assert.equal(caseOf(r, 'secure_accelerator_access', name).verdict, 'not-applicable', name);
  for (const name of ['DevicePluginPlacement', 'PluginFullNodeRefusesNext', 'UngrantedPodPlacement']) assert.equal(caseOf(r, 'secure_accelerator_access', name).verdict, 'pass', `${name}: ${observed(caseOf(r, 'secure_accelerator_access', name))}`);
  assert.equal((caseOf(r, 'secure_accelerator_access', 'UngrantedPodSeesNone') as { reason: string }).reason, 'simulated-nodes');
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);

  // GPUs already in use by another tenant: 5 of 8 on every GPU node. The old check sized members from
  // allocatable (8), so none could fit on any scheduler, and it passed here.
  await rawRequest(kc, 'POST', '/api/v1/namespaces', { metadata: { name: 'tenant' } });
  t.after(() => rawRequest(kc, 'DELETE', '/api/v1/namespaces/tenant').catch(() => undefined));
  for (let i = 0; i < 4; i++) {
    await rawRequest(kc, 'POST', '/api/v1/namespaces/tenant/pods', { metadata: { name: `busy-${i}` }, spec: { nodeName: `kaic-gpu-${i}`, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }], containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { limits: { 'nvidia.com/gpu': '5' } } }] } });
  }
  const busy = await runSuite({ checklist: await checklist(), kubeconfig, only: ['gang_scheduling'], settings });
  assert.deepEqual(verdicts(busy), { gang_scheduling: 'FAIL' });
  assert.match(busy.checks[0]!.cases[0]!.log.join('\n'), /free nvidia\.com\/gpu: kaic-gpu-0=3/);
  assert.match(observed(caseOf(busy, 'gang_scheduling', 'AllOrNothing')), /partial placement/);

  // A cluster whose only DeviceClass is not NVIDIA's: dra_support proves it instead of failing.
  const removeAcme = await fakeDriver(kubeconfig, 'gpu.acme.io', ['kaic-gpu-0', 'kaic-gpu-1'], 4);
  t.after(removeAcme);
  const acme = await runSuite({ checklist: await checklist(), kubeconfig, only: ['dra_support'] });
  assert.deepEqual(verdicts(acme), { dra_support: 'PASS' }, JSON.stringify(acme.checks[0]!.cases.map((c) => [c.name, c.outcome])));
  assert.equal(acme.checks[0]!.found.deviceClass, 'gpu.acme.io');
  assert.match(observed(caseOf(acme, 'dra_support', 'SelectorMatchesAttribute')), /stayed unallocated/);

  // Millicore CPU nodes only (no accelerator): parseInt read `3920m` as 3920 CPUs, no member fit
  // anywhere, and the gang "held". Every other node is cordoned.
  for (const n of ['kaic-cpu-0', 'kaic-cpu-1', 'kaic-gpu-0', 'kaic-gpu-1', 'kaic-gpu-2', 'kaic-gpu-3']) await rawRequest(kc, 'PATCH', `/api/v1/nodes/${n}`, { spec: { unschedulable: true } }, { contentType: 'application/merge-patch+json' });
  for (const n of ['kaic-milli-0', 'kaic-milli-1']) {
    const alloc = { cpu: '3920m', memory: '15Gi', pods: '110' };
    await rawRequest(kc, 'POST', '/api/v1/nodes', { metadata: { name: n, annotations: { 'kwok.x-k8s.io/node': 'fake' }, labels: { 'kubernetes.io/hostname': n, type: 'kwok' } }, status: { capacity: alloc, allocatable: alloc } });
  }
  // kwok marks the new nodes Ready: wait for it rather than a fixed time (a busy machine is slower).
  const readyMilli = async () => ((await rawRequest(kc, 'GET', '/api/v1/nodes')) as { items: V1Node[] }).items.filter((n) => n.metadata?.name?.startsWith('kaic-milli-') && isReady(n)).length;
  for (let i = 0; i < 120 && (await readyMilli()) < 2; i++) await new Promise((res) => setTimeout(res, 500));
  assert.equal(await readyMilli(), 2, 'kwok marked both millicore nodes Ready');
  const milli = await runSuite({ checklist: await checklist(), kubeconfig, only: ['gang_scheduling'], settings, accelerator: 'dra:none.kaic.dev' });
  assert.deepEqual(verdicts(milli), { gang_scheduling: 'FAIL' }, JSON.stringify(milli.checks[0]!.cases.map((c) => [c.name, c.outcome, c.log])));
  assert.match(milli.checks[0]!.cases[0]!.log.join('\n'), /kaic-milli-0=3920m/);
  assert.deepEqual(await leftovers(kubeconfig, milli.runId), []);
});

test('gang_scheduling is NOT-RUN, never PASS, when no gang scheduler exists', async (t) => {
  const kubeconfig = await twinCluster(t, 'kaic-nogang', { featureGates: '', runtimeConfig: '', draDriver: false });
  const r = await runSuite({ checklist: await checklist(), kubeconfig, only: ['gang_scheduling'] });
  assert.deepEqual(verdicts(r), { gang_scheduling: 'NOT-RUN' });
  assert.match(r.checks[0]!.notRun!.detail, /no gang scheduler found/);
  assert.match(r.checks[0]!.notRun!.remedy!, /Kueue/);
});

test('secure_accelerator_access on a DRA-only accelerator proves the DRA path (the plugin cases do not apply); a driver publishing one device twice FAILs', async (t) => {
  await localCluster();
  const kubeconfig = paths().kubeconfig;
  const removeUniq = await fakeDriver(kubeconfig, 'uniq.kaic.dev', ['kaic-gpu-1'], 3);
  t.after(removeUniq);
  const r = await runSuite({ checklist: await checklist(), kubeconfig, only: ['secure_accelerator_access'], accelerator: 'dra:uniq.kaic.dev' });
  for (const name of ['DRAAllocationsAreExclusive', 'DRAFullNodeRefusesNext', 'UngrantedPodPlacement']) assert.equal(caseOf(r, 'secure_accelerator_access', name).verdict, 'pass', `${name}: ${observed(caseOf(r, 'secure_accelerator_access', name))}`);
  for (const name of ['DevicePluginPlacement', 'PluginFullNodeRefusesNext']) assert.equal(caseOf(r, 'secure_accelerator_access', name).verdict, 'not-applicable');
  assert.match(observed(caseOf(r, 'secure_accelerator_access', 'DRAFullNodeRefusesNext')), /all 3 free device\(s\) of kaic-gpu-1/);
  // In-container cases need containers: NOT-RUN on kwok, so the check is NOT-RUN, not PASS or FAIL.
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);

  const removeDup = await fakeDriver(kubeconfig, 'dup.kaic.dev', ['kaic-gpu-2'], 2, true);
  t.after(removeDup);
  const dup = await runSuite({ checklist: await checklist(), kubeconfig, only: ['secure_accelerator_access'], accelerator: 'dra:dup.kaic.dev' });
  assert.deepEqual(verdicts(dup), { secure_accelerator_access: 'FAIL' });
  assert.match(observed(caseOf(dup, 'secure_accelerator_access', 'DRAAllocationsAreExclusive')), /same device: both have uuid SAME-PHYSICAL-DEVICE/);
  assert.deepEqual(await leftovers(kubeconfig, dup.runId), []);
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
