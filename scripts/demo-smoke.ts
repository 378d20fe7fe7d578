// Smoke checks of the local cluster for the demo: the real scheduler places a DRA pod on a GPU node
// and allocates it a device from that node's ResourceSlice. Everything created is removed.
import { CoreV1Api, ResourceV1Api, type V1Pod } from '@kubernetes/client-node';
import { loadKubeConfig } from '../src/cluster/connect.js';
import { waitFor } from '../src/cluster/wait.js';
import { paths } from '../src/localcluster/local-cluster.js';

const kc = loadKubeConfig({ kubeconfig: paths().kubeconfig });
const core = kc.makeApiClient(CoreV1Api);
const resource = kc.makeApiClient(ResourceV1Api);
const nodes = (await core.listNode()).items;
console.log(`nodes: ${nodes.map((n) => `${n.metadata!.name}${n.status?.allocatable?.['nvidia.com/gpu'] ? ` (${n.status.allocatable['nvidia.com/gpu']} GPUs)` : ''}`).join(', ')}`);
const slices = (await resource.listResourceSlice()).items;
console.log(`DRA: DeviceClass gpu.nvidia.com, ${slices.length} ResourceSlices, ${slices.reduce((n, s) => n + (s.spec.devices?.length ?? 0), 0)} devices`);
const ns = `kaic-demo-${Date.now().toString(36)}`;
await core.createNamespace({ body: { metadata: { name: ns, labels: { 'kaic.dev/demo': 'true' } } } });
try {
  await resource.createNamespacedResourceClaimTemplate({ namespace: ns, body: { metadata: { name: 'gpu' }, spec: { spec: { devices: { requests: [{ name: 'gpu', exactly: { deviceClassName: 'gpu.nvidia.com' } }] } } } } });
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'dra-smoke' }, spec: { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }], resourceClaims: [{ name: 'gpu', resourceClaimTemplateName: 'gpu' }], containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { claims: [{ name: 'gpu' }] } }] } } });
  const pod = await waitFor(kc, { path: `/api/v1/namespaces/${ns}/pods` }, 'the smoke pod to run', (m) => { const p = [...m.values()][0] as V1Pod | undefined; return p?.status?.phase === 'Running' ? p : undefined; }, { timeoutMs: 60_000 });
  const claim = await resource.readNamespacedResourceClaim({ namespace: ns, name: pod.status!.resourceClaimStatuses![0]!.resourceClaimName! });
  const dev = claim.status!.allocation!.devices!.results![0]!;
  console.log(`smoke: pod dra-smoke Running on ${pod.spec!.nodeName}, claim allocated ${dev.driver}/${dev.pool}/${dev.device}`);
} finally {
  await core.deleteNamespace({ name: ns });
}
