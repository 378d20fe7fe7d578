import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { virtualKind } from '../../src/checks/profiles/virtual.js';
import virtualized from '../../src/checks/virtualized-accelerator.js';

test('virtual accelerator resources: vGPU types and VFIO passthrough are recognised; whole GPUs, MIG and time-slicing are not', () => {
  assert.equal(virtualKind('nvidia.com/GRID_T4-16Q')?.kind, 'vGPU');
  assert.equal(virtualKind('nvidia.com/NVIDIA_A10-12Q')?.kind, 'vGPU');
  assert.equal(virtualKind('nvidia.com/A100-4C')?.kind, 'vGPU');
  assert.equal(virtualKind('nvidia.com/GA102GL_A10')?.kind, 'VFIO passthrough');
  assert.equal(virtualKind('nvidia.com/TU104GL_TESLA_T4')?.kind, 'VFIO passthrough');
  assert.deepEqual(virtualKind('nvidia.com/GA102GL_A10')?.deviceFiles, ['/dev/vfio/[0-9]*']);
  assert.equal(virtualKind('devices.kubevirt.io/vfio-gpu')?.kind, 'VFIO passthrough');
  assert.equal(virtualKind('example.com/vgpu')?.kind, 'vGPU');
  for (const plain of ['nvidia.com/gpu', 'nvidia.com/mig-1g.5gb', 'nvidia.com/gpu.shared', 'amd.com/gpu', 'example.com/gpu', 'cpu', 'hugepages-2Mi']) assert.equal(virtualKind(plain), undefined, plain);
});

const node = (name: string, allocatable: Record<string, string>) => ({ metadata: { name, labels: {} }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable } });
const ctx = (nodes: object[], set?: string, classes: string[] = []): DiscoverContext<never> => ({
  cluster: { version: { gitVersion: 'v1.37.2', major: '1', minor: '37' }, nodes: nodes as never, serves: () => true, verbs: () => [], servedVersions: (g) => (g === 'resource.k8s.io' ? ['v1'] : []), unavailable: new Map(), isSimulated: () => false, allSimulated: false } satisfies ClusterFacts,
  settings: { 'virtual.resource': set } as never,
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
});
