import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rawRequest } from '../../src/cluster/api.js';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { KARPENTER_POOL, karpenterNodePool } from '../../localcluster/addons.js';
import { down, stopClusterAddOn, up } from '../../localcluster/local-cluster.js';
import { runSuite } from '../../src/run/suite.js';
import { checklist, leftovers } from './run-helpers.js';

// cluster_autoscaling against Karpenter built from its module with its kwok cloud provider, beside a
// kwok twin of the local cluster (with Kueue and JobSet too, for #10's three checks in one run): a
// NodePool that starts empty, grows by one GPU node for kaic's trigger and shrinks back. Its twins are
// the NodePool at its limit and Karpenter stopped: both FAIL with what was expected and seen.

type Run = Awaited<ReturnType<typeof runSuite>>;
const NAME = 'kaic-karpenter';
const FAST = { 'autoscaler.scaleUpTimeout': '30s', 'autoscaler.stableWindow': '10s' };
const check = (r: Run, id = 'cluster_autoscaling') => r.checks.find((c) => c.id === id)!;
const caseOf = (r: Run, name: string) => check(r).cases.find((c) => c.name === name)!.outcome as { verdict: string; observed?: string; detail?: string; expected?: string; reason?: string };
const text = (o: { observed?: string; detail?: string }) => o.observed ?? o.detail ?? '';
let kubeconfig = '';

const poolNodes = async () => {
  const kc = loadKubeConfig({ kubeconfig });
  return ((await rawRequest(kc, 'GET', `/api/v1/nodes?labelSelector=karpenter.sh%2Fnodepool%3D${KARPENTER_POOL}`)) as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name);
};

before(async () => {
  kubeconfig = (await up({ name: NAME, realNodes: 0, with: ['kueue', 'jobset', 'karpenter'] })).kubeconfig;
});
after(() => down(NAME));

test('Karpenter grows its empty GPU pool by one node for a pod that fits nowhere and removes it after; gang_scheduling and robust_controller PASS beside it in the same run', async () => {
  const t0 = Date.now();
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['gang_scheduling', 'cluster_autoscaling', 'robust_controller'], settings: { 'gang.window': '8s', 'autoscaler.stableWindow': '15s' } });
  for (const c of r.checks) assert.equal(c.verdict, 'PASS', `${c.id}: ${JSON.stringify(c.cases.map((x) => [x.name, x.outcome]))}`);
  const up = caseOf(r, 'ScaleUp');
  assert.match(text(up), /^kaic-autoscale-trigger \(1 nvidia\.com\/gpu\) was refused by the scheduler \(0\/\d+ nodes are available: .*\), then bound on (kwok-\S+), a node of karpenter\.sh\/nodepool=gpu created .* after the trigger \(uid [-0-9a-f]+, not among the 0 baseline node\(s\)\), Ready=(true|false), 8 nvidia\.com\/gpu allocatable/);
  const added = /bound on (kwok-\S+),/.exec(text(up))![1]!;
  assert.match(text(caseOf(r, 'ScaleDown')), new RegExp(`^${added} \\(uid [-0-9a-f]+\\) was removed \\d+\\.\\ds after kaic-autoscale-trigger was deleted`));
  assert.match(text(caseOf(r, 'BaselineHeld')), /^the pool stayed at its 0 baseline node\(s\) for 15s: none added, none removed/);
  const evidence = check(r).evidence;
  assert.match(evidence['timeline.txt']!, /trigger: kaic-autoscale-trigger created[\s\S]*scale-up: node kwok-[\s\S]*scale-down: node kwok-[\s\S]*baseline: held for 15s/);
  assert.match(evidence['nodeclaims.json']!, /"name": "gpu-/);
  assert.deepEqual(await poolNodes(), []);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
  // #10's budget for the local proof.
  assert.ok((check(r).finishedAt - check(r).startedAt) < 3 * 60_000, `cluster_autoscaling took ${(check(r).finishedAt - check(r).startedAt) / 1000}s`);
  process.stderr.write(`three checks in ${((Date.now() - t0) / 1000).toFixed(0)}s\n`);
});

test("a pool with a node another tenant uses: kaic holds that node's free GPUs (under a PodDisruptionBudget), the trigger still needs a new node, and the tenant's node stays", async () => {
  const kc = loadKubeConfig({ kubeconfig });
  await rawRequest(kc, 'POST', '/api/v1/namespaces', { metadata: { name: 'tenant' } });
  try {
    await rawRequest(kc, 'POST', '/api/v1/namespaces/tenant/pods', { metadata: { name: 'tenant' }, spec: { nodeSelector: { 'karpenter.sh/nodepool': KARPENTER_POOL }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }], containers: [{ name: 't', image: 'registry.k8s.io/pause:3.10', resources: { limits: { 'nvidia.com/gpu': '1' } } }] } });
    let tenantNode = '';
    for (let i = 0; i < 60 && !tenantNode; i++) {
      tenantNode = ((await rawRequest(kc, 'GET', '/api/v1/namespaces/tenant/pods/tenant')) as { spec: { nodeName?: string } }).spec.nodeName ?? '';
      if (!tenantNode) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(tenantNode, 'Karpenter gave the tenant a node');
    const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['cluster_autoscaling'], settings: { 'autoscaler.stableWindow': '10s' } });
    assert.equal(check(r).verdict, 'PASS', JSON.stringify(check(r).cases.map((x) => [x.name, x.outcome])));
    assert.deepEqual(check(r).nodes, [tenantNode]);
    assert.match(check(r).evidence['timeline.txt']!, new RegExp(`hold: kaic-autoscale-hold-0 takes the 7 free nvidia.com/gpu of ${tenantNode}[\\s\\S]*PodDisruptionBudget`));
    assert.match(text(caseOf(r, 'ScaleUp')), /refused by the scheduler \(0\/7 nodes are available: 1 Insufficient nvidia\.com\/gpu, .*\), then bound on kwok-\S+, .*not among the 1 baseline node\(s\)/);
    assert.match(text(caseOf(r, 'BaselineHeld')), new RegExp(`stayed at its 1 baseline node\\(s\\) \\(${tenantNode}\\)`));
    assert.deepEqual(await poolNodes(), [tenantNode]);
    assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
  } finally {
    await rawRequest(kc, 'DELETE', '/api/v1/namespaces/tenant');
    // Karpenter removes the tenant's node once it is empty: the next tests start from an empty pool.
    for (let i = 0; i < 240 && (await poolNodes()).length; i++) await new Promise((r) => setTimeout(r, 500));
  }
});

test('a NodePool that never removes empty nodes (consolidateAfter: Never) scales up, and its scale-down is NOT-RUN saying so, never a wait to the deadline', async () => {
  const kc = loadKubeConfig({ kubeconfig });
  const path = `/apis/karpenter.sh/v1/nodepools/${KARPENTER_POOL}`;
  await rawRequest(kc, 'PATCH', path, { spec: { disruption: { consolidateAfter: 'Never' } } }, { contentType: 'application/merge-patch+json' });
  try {
    const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['cluster_autoscaling'], settings: FAST });
    assert.equal(caseOf(r, 'ScaleUp').verdict, 'pass');
    assert.equal(caseOf(r, 'ScaleDown').reason, 'control-failed');
    assert.match(text(caseOf(r, 'ScaleDown')), /never to remove an empty node \(NodePool gpu: consolidateAfter Never\)/);
    assert.ok(check(r).finishedAt - check(r).startedAt < 2 * 60_000);
    assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
  } finally {
    await rawRequest(kc, 'PATCH', path, karpenterNodePool(), { contentType: 'application/merge-patch+json' });
    // Karpenter removes the node kaic's trigger left once consolidation is back on.
    for (let i = 0; i < 240 && (await poolNodes()).length; i++) await new Promise((res) => setTimeout(res, 500));
  }
});

test("a pool already at its maximum (the NodePool's GPU limit reached) adds nothing: FAIL, with Karpenter's own word; nothing to remove is NOT-RUN", async () => {
  const kc = loadKubeConfig({ kubeconfig });
  const path = `/apis/karpenter.sh/v1/nodepools/${KARPENTER_POOL}`;
  await rawRequest(kc, 'PATCH', path, { spec: { limits: { 'nvidia.com/gpu': '0' } } }, { contentType: 'application/merge-patch+json' });
  try {
    const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['cluster_autoscaling'], settings: FAST });
    assert.equal(check(r).verdict, 'FAIL');
    const o = caseOf(r, 'ScaleUp');
    assert.equal(o.verdict, 'fail');
    assert.match(o.expected!, /the autoscaler adds a node to karpenter\.sh\/nodepool=gpu with nvidia\.com\/gpu and kaic-autoscale-trigger is bound there within 30s/);
    assert.match(text(o), /still unbound after 30s \(Unschedulable: .*\); the pool has 0 node\(s\), none new; the autoscaler said: .*karpenter.*limit/i);
    for (const n of ['ScaleDown', 'BaselineHeld']) assert.equal(caseOf(r, n).reason, 'control-failed', n);
    assert.deepEqual(await poolNodes(), []);
    assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
  } finally {
    await rawRequest(kc, 'PATCH', path, karpenterNodePool(), { contentType: 'application/merge-patch+json' });
  }
});

test('Karpenter stopped: the trigger waits, no node comes: FAIL at the timeout, never PASS', async () => {
  await stopClusterAddOn('karpenter', NAME);
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['cluster_autoscaling'], settings: FAST });
  assert.equal(check(r).verdict, 'FAIL');
  assert.match(text(caseOf(r, 'ScaleUp')), /still unbound after 30s \(Unschedulable: .*\); the pool has 0 node\(s\), none new; the autoscaler said: nothing \(no event on the pod\)/);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});
