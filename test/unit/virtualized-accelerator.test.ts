import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { virtualKind } from '../../src/checks/profiles/virtual.js';
import virtualized, { healthCommand } from '../../src/checks/virtualized-accelerator.js';
import { withScan } from '../helpers.js';

test('virtual accelerator resources: vGPU types and VFIO passthrough are recognised; whole GPUs, MIG, time-slicing, NICs and software sharing are not', () => {
  for (const v of ['nvidia.com/GRID_T4-16Q', 'nvidia.com/NVIDIA_A10-12Q', 'nvidia.com/A100-4C', 'nvidia.com/NVIDIA_A100-4-20C', 'nvidia.com/GRID_A100-3-20C', 'example.com/vgpu']) assert.equal(virtualKind(v)?.kind, 'vGPU', v);
  for (const v of ['nvidia.com/GA102GL_A10', 'nvidia.com/TU104GL_TESLA_T4', 'nvidia.com/TU104GL_Tesla_T4', 'nvidia.com/GA100_A100_PCIE_40GB', 'nvidia.com/GH100_H100_PCIE', 'nvidia.com/pgpu']) assert.equal(virtualKind(v)?.kind, 'VFIO passthrough', v);
  assert.deepEqual(virtualKind('nvidia.com/GA102GL_A10')?.deviceFiles, ['/dev/vfio/vfio', '/dev/vfio/[0-9]*']);
  assert.deepEqual(virtualKind('nvidia.com/GRID_T4-16Q')?.deviceFiles, ['/dev/vfio/vfio'], 'a mediated vGPU container gets the VFIO container device, not /dev/nvidia*');
  for (const plain of ['nvidia.com/gpu', 'nvidia.com/mig-1g.5gb', 'nvidia.com/gpu.shared', 'amd.com/gpu', 'example.com/gpu', 'cpu', 'hugepages-2Mi', 'openshift.io/sriov_vfio', 'intel.com/dpdk_vfio_nic', 'volcano.sh/vgpu-memory', 'volcano.sh/vgpu-cores', 'iluvatar.ai/vgpu']) assert.equal(virtualKind(plain), undefined, plain);
});

test('the health probe: the device files, and for passthrough an accelerator (PCI class 0x03 or 0x12) behind each VFIO group', () => {
  const pass = healthCommand(virtualKind('nvidia.com/GA102GL_A10')!);
  assert.match(pass, /^ls \/dev\/vfio\/vfio \/dev\/vfio\/\[0-9\]\* >\/dev\/null 2>&1 && for g in/);
  assert.match(pass, /iommu_groups/);
  assert.match(healthCommand(virtualKind('nvidia.com/GRID_T4-16Q')!), /MDEV_PCI_RESOURCE_/);
  assert.equal(healthCommand(virtualKind('example.com/vgpu')!), 'ls /dev/kaic-vgpu[0-9]* >/dev/null 2>&1');
});

const node = (name: string, allocatable: Record<string, string>) => ({ metadata: { name, labels: {} }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable } });
const ctx = (nodes: object[], set?: string, classes: string[] = []): DiscoverContext<never> => withScan({
  cluster: { version: { gitVersion: 'v1.37.2', major: '1', minor: '37' }, nodes: nodes as never, serves: () => true, verbs: () => ['get', 'list'], servedVersions: (g) => (g === 'resource.k8s.io' ? ['v1'] : []), unavailable: new Map(), isSimulated: () => false, allSimulated: false } satisfies ClusterFacts,
  settings: { 'virtual.resource': set, 'virtual.kind': undefined } as never,
  accelerator: PROFILES.nvidia!,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>() {
    return classes.map((name) => ({ metadata: { name } })) as T[];
  },
});

test('virtualized_accelerator discovery: none is NOT-RUN with the N/A wording; DRA classes are reported; a named resource; the placement needs nodes without it', async () => {
  const none = await virtualized.discover(ctx([node('a', { 'nvidia.com/gpu': '8' })], undefined, ['gpu.nvidia.com', 'vfio.gpu.nvidia.com']));
  assert.equal(none.ready, false);
  assert.match(!none.ready ? none.detail : '', /no node advertises a virtual accelerator.*vfio\.gpu\.nvidia\.com look like virtual devices/);
  assert.match(!none.ready ? none.remedy ?? '' : '', /--na virtualized_accelerator=/);
  const found = await virtualized.discover(ctx([node('a', { 'nvidia.com/GRID_T4-16Q': '4' }), node('b', { cpu: '8' })]));
  assert.equal(found.ready && found.env.resource, 'nvidia.com/GRID_T4-16Q');
  assert.deepEqual(found.ready && [found.env.advertising, found.env.others], [['a'], ['b']]);
  const named = await virtualized.discover(ctx([node('a', { 'acme.io/virt-accel': '2' }), node('b', {})], 'acme.io/virt-accel'));
  assert.equal(named.ready && named.env.resource, 'acme.io/virt-accel');
  const gone = await virtualized.discover(ctx([node('a', { 'nvidia.com/GRID_T4-16Q': '0' })]));
  assert.equal(gone.ready, false, 'an advertised resource with nothing allocatable is not offered');
  const restarting = await virtualized.discover(ctx([node('a', { 'nvidia.com/GRID_T4-16Q': '2' }), { ...node('b', { 'nvidia.com/GRID_T4-16Q': '0' }), status: { conditions: [{ type: 'Ready', status: 'True' }], capacity: { 'nvidia.com/GRID_T4-16Q': '2' }, allocatable: { 'nvidia.com/GRID_T4-16Q': '0' } } }, node('c', {})]));
  assert.deepEqual(restarting.ready && restarting.env.others, ['c'], 'a node whose plugin is re-registering is no place to be refused');
  const itself = await virtualized.discover(ctx([node('a', { 'nvidia.com/gpu': '8' })], 'nvidia.com/gpu'));
  assert.match(!itself.ready ? itself.detail : '', /is the nvidia accelerator itself/);
});
