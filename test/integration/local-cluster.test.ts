import { BatchV1Api, CoreV1Api, ResourceV1Api, type V1Pod } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawRequest } from '../../src/cluster/api.js';
import { waitForValue as waitFor } from '../../src/cluster/wait.js';
import { localCluster, testNamespace } from './local-cluster.js';

const GPU = 'nvidia.com/gpu';
const tolerateGpu = [{ key: GPU, operator: 'Exists', effect: 'NoSchedule' }];

test('the local cluster has 6 kwok nodes, 4 of them with 8 allocatable GPUs, and one real node', async () => {
  const kc = await localCluster();
  const all = (await kc.makeApiClient(CoreV1Api).listNode()).items;
  const nodes = all.filter((n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake');
  assert.equal(nodes.length, 6);
  assert.deepEqual(all.filter((n) => !nodes.includes(n)).map((n) => n.metadata?.labels?.['kaic.dev/real-node']), ['true'], 'beside them, the real node');
  const gpu = nodes.filter((n) => n.status?.allocatable?.[GPU] === '8');
  assert.equal(gpu.length, 4);
  for (const n of gpu) {
    assert.equal(n.metadata?.labels?.['nvidia.com/gpu.present'], 'true');
    assert.ok(n.spec?.taints?.some((t) => t.key === GPU && t.effect === 'NoSchedule'));
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  }
});

test('API discovery serves resource.k8s.io/v1 with DeviceClass, ResourceClaim, ResourceClaimTemplate and ResourceSlice', async () => {
  const kc = await localCluster();
  const list = (await rawRequest(kc, 'GET', '/apis/resource.k8s.io/v1')) as { resources: { name: string; kind: string; verbs: string[] }[] };
  const kinds = new Set(list.resources.filter((r) => !r.name.includes('/')).map((r) => r.kind));
  for (const k of ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate', 'ResourceSlice']) assert.ok(kinds.has(k), `${k} served`);
  const slices = (await kc.makeApiClient(ResourceV1Api).listResourceSlice()).items.filter((s) => s.spec.driver === 'gpu.nvidia.com');
  assert.equal(slices.length, 4);
  assert.ok(slices.every((s) => s.spec.devices?.length === 8 && s.spec.pool.resourceSliceCount === 1));
});

test('a pod with a ResourceClaimTemplate is scheduled by the real scheduler onto a GPU node, its claim allocated from that node and reserved', async (t) => {
  const kc = await localCluster();
  const ns = await testNamespace(kc, t);
  const resource = kc.makeApiClient(ResourceV1Api);
  await resource.createNamespacedResourceClaimTemplate({
    namespace: ns,
    body: { metadata: { name: 'one-gpu' }, spec: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'gpu.nvidia.com' } }] } } } },
  });
  await kc.makeApiClient(CoreV1Api).createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: 'dra-pod' },
      spec: {
        tolerations: tolerateGpu,
        resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'one-gpu' }],
        containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { claims: [{ name: 'gpu' }] } }],
      },
    },
  });
  const pod = await waitFor(kc, { path: `/api/v1/namespaces/${ns}/pods`, fieldSelector: 'metadata.name=dra-pod' }, 'dra-pod to run', (m) => {
    const p = [...m.values()][0] as V1Pod | undefined;
    return p?.status?.phase === 'Running' ? p : undefined;
  }, { timeoutMs: 60_000 });
  assert.match(pod.spec!.nodeName!, /^kaic-gpu-/);
  const claimName = pod.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
  assert.ok(claimName, 'the pod records its generated claim');
  const claim = await resource.readNamespacedResourceClaim({ name: claimName, namespace: ns });
  const result = claim.status?.allocation?.devices?.results?.[0];
  assert.ok(result, 'claim is allocated');
  assert.equal(result.driver, 'gpu.nvidia.com');
  assert.equal(result.pool, pod.spec!.nodeName, 'device comes from the ResourceSlice of the node the pod runs on');
  assert.match(result.device, /^gpu-\d$/);
  assert.deepEqual(claim.status?.reservedFor?.map((r) => r.name), ['dra-pod']);
});

test('a pod requesting 9 GPUs stays Pending: PodScheduled=False, reason Unschedulable', async (t) => {
  const kc = await localCluster();
  const ns = await testNamespace(kc, t);
  await kc.makeApiClient(CoreV1Api).createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'too-big' }, spec: { tolerations: tolerateGpu, containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { limits: { [GPU]: '9' } } }] } },
  });
  const pod = await waitFor(kc, { path: `/api/v1/namespaces/${ns}/pods`, fieldSelector: 'metadata.name=too-big' }, 'the scheduler to give up on too-big', (m) => {
    const p = [...m.values()][0] as V1Pod | undefined;
    return p?.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
  }, { timeoutMs: 30_000 });
  const cond = pod.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
  assert.equal(cond.reason, 'Unschedulable');
  assert.match(cond.message ?? '', /Insufficient nvidia\.com\/gpu/);
  assert.equal(pod.spec?.nodeName, undefined);
  assert.equal(pod.status?.phase, 'Pending');
});

test('a Job with parallelism 3 completes', async (t) => {
  const kc = await localCluster();
  const ns = await testNamespace(kc, t);
  await kc.makeApiClient(BatchV1Api).createNamespacedJob({
    namespace: ns,
    body: {
      metadata: { name: 'three' },
      spec: {
        parallelism: 3,
        completions: 3,
        template: { metadata: { annotations: { 'kaic.dev/complete-after': '2s' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } },
      },
    },
  });
  const job = await waitFor(kc, { path: `/apis/batch/v1/namespaces/${ns}/jobs`, fieldSelector: 'metadata.name=three' }, 'job three to complete', (m) => {
    const j = [...m.values()][0] as { status?: { succeeded?: number; conditions?: { type: string; status: string }[] } } | undefined;
    return j?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
  }, { timeoutMs: 60_000 });
  assert.equal(job.status?.succeeded, 3);
});
