import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext, KObject, TypeRef } from '../../src/checks/api.js';
import clusterAutoscaling from '../../src/checks/cluster-autoscaling.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { clusterAutoscalerEmptyDelay, clusterAutoscalers, isLifecycleTaint, karpenterEmptyDelay, karpenterKeepsNodes, leaving, nodeClaimOf, nodePoolCarries, parseGoDuration, POOL_PATTERN } from '../../src/checks/profiles/autoscalers.js';
import { PROFILES, profileFromFlag, type AcceleratorProfile } from '../../src/checks/profiles/accelerators.js';
import { resolveSettings } from '../../src/checks/settings.js';
import { withScan } from '../helpers.js';

// NodePools and Deployments in the shapes Karpenter v1 and the Cluster Autoscaler's Helm chart
// write them; the local cluster's own NodePool is proven for real in test/integration/cluster-autoscaling.test.ts.

const nodePool = (name: string, spec: Record<string, unknown> = {}): KObject => ({ apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name }, spec: { template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }, requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }], ...spec } }, disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m' } } });
const gpuPool = (name: string) => nodePool(name, { taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }] });
const caDeployment = (args: string[], image = 'registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.1'): KObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cluster-autoscaler', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'cluster-autoscaler', image, command: ['./cluster-autoscaler', ...args] }] } } } });
const node = (name: string, labels: Record<string, string>, gpus = 0) => ({ metadata: { name, uid: `uid-${name}`, labels }, status: { allocatable: (gpus ? { 'nvidia.com/gpu': String(gpus) } : {}) as Record<string, string>, conditions: [{ type: 'Ready', status: 'True' }] } });

const facts = (nodes: object[], karpenter: false | 'v1' | 'v1beta1'): ClusterFacts => ({
  version: { gitVersion: 'v1.37.2', major: '1', minor: '37' },
  nodes: nodes as never,
  serves: (gv, plural) => !!karpenter && gv === `karpenter.sh/${karpenter}` && plural === 'nodepools',
  verbs: () => ['get', 'list', 'watch'],
  servedVersions: () => [],
  unavailable: new Map(),
  isSimulated: () => false,
  allSimulated: false,
});

async function discover(opts: { pools?: KObject[]; deployments?: KObject[]; nodes?: object[]; set?: Record<string, string>; profile?: AcceleratorProfile; karpenter?: 'v1' | 'v1beta1' }) {
  const collections: Record<string, KObject[]> = { NodePool: opts.pools ?? [], Deployment: opts.deployments ?? [] };
  const ctx: DiscoverContext<never> = withScan({
    cluster: facts(opts.nodes ?? [], (opts.pools ?? []).length > 0 ? (opts.karpenter ?? 'v1') : false),
    settings: resolveSettings(clusterAutoscaling.settings, opts.set ?? {}) as never,
    accelerator: opts.profile ?? PROFILES.nvidia!,
    images: DEFAULT_IMAGES,
    signal: new AbortController().signal,
    list: async <T>(t: TypeRef) => (collections[t.kind] ?? []) as T[],
  });
  return clusterAutoscaling.discover(ctx as never);
}

test("Go durations as Karpenter and the Cluster Autoscaler write them", () => {
  assert.equal(parseGoDuration('5s'), 5_000);
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('10m0s'), 600_000);
  assert.equal(parseGoDuration('300ms'), 300);
  assert.equal(parseGoDuration('0'), 0);
  for (const bad of ['', 'Never', '5', '5 m', '-1s']) assert.equal(parseGoDuration(bad), undefined, bad);
});

test('a pool is a node label key=value; anything else is refused before the run', () => {
  for (const ok of ['karpenter.sh/nodepool=gpu', 'cloud.google.com/gke-nodepool=a100-pool', 'pool=x']) assert.match(ok, POOL_PATTERN);
  for (const bad of ['gpu', '=gpu', 'karpenter.sh/nodepool=', 'a=b c', 'a=b=c']) assert.doesNotMatch(bad, POOL_PATTERN, bad);
  assert.throws(() => resolveSettings(clusterAutoscaling.settings, { 'autoscaler.pool': 'gpu' }), /--set autoscaler.pool=gpu: expected karpenter.sh\/nodepool=gpu/);
  assert.throws(() => resolveSettings(clusterAutoscaling.settings, { 'autoscaler.scaleUpTimeout': '5s' }), /at least 30s/);
});

test("a NodePool carries the accelerator when its template taints or labels for it, a requirement names accelerators, or a node it launched has some", () => {
  const nv = PROFILES.nvidia!;
  assert.match(nodePoolCarries(gpuPool('gpu'), nv, [])!, /taints nodes nvidia.com\/gpu/);
  assert.match(nodePoolCarries(nodePool('g', { requirements: [{ key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'Gt', values: ['0'] }] }), nv, [])!, /instance-gpu-count/);
  assert.match(nodePoolCarries(nodePool('gke'), nv, [node('n1', { 'karpenter.sh/nodepool': 'gke' }, 8)])!, /node n1 has nvidia.com\/gpu/);
  assert.equal(nodePoolCarries(nodePool('general'), nv, [node('n2', { 'karpenter.sh/nodepool': 'general' })]), undefined);
  // A CPU pool that keeps GPUs out names the key too: that is no sign it carries them.
  for (const r of [{ key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'DoesNotExist' }, { key: 'karpenter.k8s.aws/instance-gpu-count', operator: 'In', values: ['0'] }, { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'NotIn', values: ['nvidia'] }]) {
    assert.equal(nodePoolCarries(nodePool('cpu', { requirements: [r] }), nv, []), undefined, JSON.stringify(r));
  }
});

test("what keeps Karpenter from removing empty nodes is read: do-not-disrupt on the template, a budget of zero nodes", () => {
  assert.equal(karpenterKeepsNodes(nodePool('a')), undefined);
  const dnd = { ...nodePool('b'), spec: { template: { metadata: { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } } } } } as KObject;
  assert.match(karpenterKeepsNodes(dnd)!, /do-not-disrupt/);
  const budget = (b: Record<string, unknown>) => ({ ...nodePool('c'), spec: { disruption: { budgets: [b] } } }) as KObject;
  assert.match(karpenterKeepsNodes(budget({ nodes: '0' }))!, /budget of 0 nodes/);
  assert.equal(karpenterKeepsNodes(budget({ nodes: '0', schedule: '@daily', duration: '10m' })), undefined);
  assert.equal(karpenterKeepsNodes(budget({ nodes: '0', reasons: ['Drifted'] })), undefined);
  assert.equal(karpenterKeepsNodes(budget({ nodes: '10%' })), undefined);
});

test("nodes on their way out are not a baseline, and their taints are never tolerated", () => {
  for (const k of ['ToBeDeletedByClusterAutoscaler', 'karpenter.sh/disrupted', 'node.kubernetes.io/not-ready', 'node.cloudprovider.kubernetes.io/uninitialized', 'karpenter.sh/unregistered']) assert.ok(isLifecycleTaint(k), k);
  for (const k of ['nvidia.com/gpu', 'sku', 'dedicated']) assert.ok(!isLifecycleTaint(k), k);
  assert.equal(leaving({ metadata: { name: 'n' }, spec: { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] } }), undefined);
  assert.equal(leaving({ metadata: { name: 'n' }, spec: { taints: [{ key: 'ToBeDeletedByClusterAutoscaler', value: '1733', effect: 'NoSchedule' }] } }), 'tainted ToBeDeletedByClusterAutoscaler');
  assert.equal(leaving({ metadata: { name: 'n', deletionTimestamp: new Date() } }), 'being deleted');
});

test("a node's NodeClaim is found by provider ID or owner before Karpenter writes status.nodeName (the trigger can be bound first)", () => {
  const claim = (name: string, status: Record<string, string>): KObject => ({ apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', metadata: { name, uid: `uid-${name}` }, status });
  const launched = claim('gpu-a', { providerID: 'kwok://kwok-gpu-a' }); // registered on the node, not yet in its status
  const other = claim('gpu-b', { providerID: 'kwok://kwok-gpu-b', nodeName: 'kwok-gpu-b' });
  const n = { metadata: { name: 'kwok-gpu-a' }, spec: { providerID: 'kwok://kwok-gpu-a' } };
  assert.equal(nodeClaimOf([other, launched], n)?.metadata?.name, 'gpu-a');
  assert.equal(nodeClaimOf([other, claim('gpu-c', {})], { metadata: { name: 'x', ownerReferences: [{ apiVersion: 'karpenter.sh/v1', kind: 'NodeClaim', name: 'gpu-c', uid: 'uid-gpu-c' }] } })?.metadata?.name, 'gpu-c');
  assert.equal(nodeClaimOf([other], { metadata: { name: 'kwok-gpu-b' } })?.metadata?.name, 'gpu-b');
  // A leftover claim naming a reused node name loses to the claim with the node's provider ID, and a
  // claim with another provider ID is never the node's by name alone.
  const stale = claim('gpu-old', { providerID: 'kwok://old', nodeName: 'kwok-gpu-a' });
  assert.equal(nodeClaimOf([stale, launched], n)?.metadata?.name, 'gpu-a');
  assert.equal(nodeClaimOf([stale], n), undefined);
  // Neither an empty provider ID nor a claim with no node yet belongs to a node without either.
  assert.equal(nodeClaimOf([claim('gpu-d', {}), other], { metadata: { name: 'y' }, spec: {} }), undefined);
});

test("empty-node delays: Karpenter's consolidateAfter (Never keeps nodes); the Cluster Autoscaler's two delays, whichever is longer, 10 minutes by default", () => {
  assert.deepEqual(karpenterEmptyDelay(nodePool('a')), { ms: 60_000, source: 'NodePool a: consolidateAfter 1m' });
  const never = nodePool('b');
  (never.spec as { disruption: { consolidateAfter: string } }).disruption.consolidateAfter = 'Never';
  assert.equal(karpenterEmptyDelay(never)!.ms, Infinity);
  assert.equal(clusterAutoscalerEmptyDelay([]).ms, 600_000);
  assert.equal(clusterAutoscalerEmptyDelay(['--scale-down-unneeded-time=2m', '--scale-down-delay-after-add', '15m']).ms, 900_000);
  assert.equal(clusterAutoscalerEmptyDelay(['--scale-down-enabled=false']).ms, Infinity);
});

test("the Cluster Autoscaler is found by its image or command, not by a name that merely mentions it", () => {
  assert.deepEqual(clusterAutoscalers([caDeployment(['--nodes=1:3:gpu'])]).map((c) => c.name), ['kube-system/cluster-autoscaler']);
  const renamed = caDeployment([], 'mirror.local/autoscaling/cluster-autoscaler@sha256:abc');
  assert.equal(clusterAutoscalers([renamed]).length, 1);
  const other = { ...caDeployment([]), spec: { template: { spec: { containers: [{ name: 'x', image: 'example.com/cluster-autoscaler-exporter:1' }] } } } } as KObject;
  assert.equal(clusterAutoscalers([other]).length, 0);
});

test('discovery: the one Karpenter NodePool that carries the accelerator is proven, its delay read, its nodes leased', async () => {
  const d = await discover({ pools: [nodePool('general'), gpuPool('gpu')], nodes: [node('g1', { 'karpenter.sh/nodepool': 'gpu' }, 8), node('c1', { 'karpenter.sh/nodepool': 'general' })] });
  assert.ok(d.ready);
  assert.equal(d.found.pool, 'karpenter.sh/nodepool=gpu (Karpenter (NodePool gpu))');
  assert.equal(d.found.emptyNodeDelay, 'NodePool gpu: consolidateAfter 1m');
  assert.deepEqual(d.nodes, ['g1']);
  assert.deepEqual(d.capacity, { acceleratorNodes: 1 });
  assert.deepEqual((d.env as { choice: { taints: readonly unknown[] } }).choice.taints, [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
});

test('discovery: an empty pool needs no lease; two pools that could carry it need a choice', async () => {
  const empty = await discover({ pools: [gpuPool('gpu')] });
  assert.ok(empty.ready);
  assert.deepEqual(empty.nodes, []);
  assert.equal(empty.capacity, undefined);
  const two = await discover({ pools: [gpuPool('a100'), gpuPool('h100')] });
  assert.ok(!two.ready);
  assert.match(two.detail, /several Karpenter NodePools can carry nvidia.com\/gpu: a100 .*h100/);
  assert.match(two.remedy!, /--set autoscaler.pool=karpenter.sh\/nodepool=NAME/);
  const chosen = await discover({ pools: [gpuPool('a100'), gpuPool('h100')], set: { 'autoscaler.pool': 'karpenter.sh/nodepool=h100' } });
  assert.ok(chosen.ready);
  const missing = await discover({ pools: [gpuPool('a100')], set: { 'autoscaler.pool': 'karpenter.sh/nodepool=h200' } });
  assert.ok(!missing.ready);
  assert.match(missing.detail, /no NodePool h200 \(there are a100\)/);
});

test("discovery: the Cluster Autoscaler needs the pool's label; none at all is NOT-RUN with the N/A wording, a named pool is proven whoever scales it", async () => {
  const ca = await discover({ deployments: [caDeployment(['--scale-down-unneeded-time=3m'])] });
  assert.ok(!ca.ready);
  assert.equal(ca.reason, 'missing-component');
  assert.match(ca.remedy!, /autoscaler.pool=KEY=VALUE/);
  const caNamed = await discover({ deployments: [caDeployment(['--scale-down-unneeded-time=3m'])], set: { 'autoscaler.pool': 'pool=gpu' } });
  assert.ok(caNamed.ready);
  assert.equal((caNamed.env as { choice: { kind: string } }).choice.kind, 'cluster-autoscaler');
  assert.match(caNamed.found.emptyNodeDelay!, /--scale-down-unneeded-time 3m/);
  const none = await discover({});
  assert.ok(!none.ready);
  assert.match(none.detail, /no cluster autoscaler found/);
  assert.match(none.remedy!, /--na cluster_autoscaling=/);
  const managed = await discover({ set: { 'autoscaler.pool': 'cloud.google.com/gke-nodepool=a100' } });
  assert.ok(managed.ready);
  assert.match(managed.found.pool!, /none kaic recognises/);
});

test('discovery: an accelerator offered through DRA only cannot be asked for by the trigger: NOT-RUN, saying so', async () => {
  const d = await discover({ pools: [gpuPool('gpu')], profile: profileFromFlag('dra:gpu.example.com') });
  assert.ok(!d.ready);
  assert.match(d.detail, /has no extended resource/);
});

test("discovery: Karpenter before v1 (v1beta1) is read too; a pool named by a template label takes that NodePool's taints and delay", async () => {
  const old = await discover({ pools: [gpuPool('gpu')], karpenter: 'v1beta1' });
  assert.ok(old.ready);
  assert.match(old.found.autoscalers!, /^Karpenter v1beta1/);
  assert.equal((old.env as { choice: { karpenter: { apiVersion: string } } }).choice.karpenter.apiVersion, 'karpenter.sh/v1beta1');
  const labelled = { ...gpuPool('gpu'), spec: { ...(gpuPool('gpu').spec as object), template: { metadata: { labels: { team: 'ml' } }, spec: { taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }] } } } } as KObject;
  const byLabel = await discover({ pools: [nodePool('general'), labelled], set: { 'autoscaler.pool': 'team=ml' } });
  assert.ok(byLabel.ready);
  const choice = (byLabel.env as { choice: { kind: string; taints: readonly { key: string }[] } }).choice;
  assert.equal(choice.kind, 'karpenter');
  assert.deepEqual(choice.taints.map((t) => t.key), ['sku']);
  const tol = await discover({ pools: [gpuPool('gpu')], set: { 'autoscaler.tolerate': 'sku,dedicated' } });
  assert.ok(tol.ready);
  assert.deepEqual((tol.env as { tolerate: readonly string[] }).tolerate, ["sku", "dedicated"]);
  assert.throws(() => resolveSettings(clusterAutoscaling.settings, { 'autoscaler.tolerate': 'sku,,x' }), /autoscaler.tolerate/);
});
