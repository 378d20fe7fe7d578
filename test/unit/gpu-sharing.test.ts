import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import gpuSharing from '../../src/checks/gpu-sharing.js';
import { partitionsOf } from '../../src/checks/support/dra.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import type { Slice } from '../../src/checks/support/dra.js';
import { withScan } from '../helpers.js';

// The shapes below follow what real components publish: the DRA example driver with
// --partitions-per-gpu (a shared counter set per GPU, partitions and a full device drawing on it),
// and NVIDIA's device plugin with time-slicing (gpu.replicas, gpu.count labels) or MIG resources.

const ready = [{ type: 'Ready', status: 'True' }];
const facts = (nodes: object[]): ClusterFacts => ({
  version: { gitVersion: 'v1.37.2', major: '1', minor: '37' },
  nodes: nodes as never,
  serves: (gv) => gv === 'resource.k8s.io/v1',
  verbs: () => ['create', 'delete', 'get', 'list', 'watch'],
  servedVersions: (g) => (g === 'resource.k8s.io' ? ['v1'] : []),
  unavailable: new Map(),
  isSimulated: (n) => n !== 'real',
  allSimulated: false,
});

function partitionedSlices(node: string): Slice[] {
  const counters = (m: string, c: string) => ({ memory: { value: m }, compute: { value: c } });
  return [
    { metadata: { name: `${node}-counters` }, spec: { driver: 'gpu.example.com', nodeName: node, pool: { name: node, generation: 1, resourceSliceCount: 2 }, sharedCounters: [{ name: 'gpu-0-counters', counters: counters('80Gi', '100') }] } as never },
    {
      metadata: { name: `${node}-devices` },
      spec: {
        driver: 'gpu.example.com', nodeName: node, pool: { name: node, generation: 1, resourceSliceCount: 2 },
        devices: [
          { name: 'gpu-0-partition-0', attributes: { partitionable: { bool: true } }, consumesCounters: [{ counterSet: 'gpu-0-counters', counters: counters('40Gi', '50') }] },
          { name: 'gpu-0-partition-1', attributes: { partitionable: { bool: true } }, consumesCounters: [{ counterSet: 'gpu-0-counters', counters: counters('40Gi', '50') }] },
          { name: 'gpu-0-full', attributes: { full: { bool: true } }, consumesCounters: [{ counterSet: 'gpu-0-counters', counters: counters('80Gi', '100') }] },
        ],
      } as never,
    },
  ];
}

test('partitions are devices drawing on less than a whole counter set; the whole device is not one', () => {
  const p = partitionsOf(partitionedSlices('real'));
  assert.deepEqual([...p.names].sort(), ['real/gpu-0-partition-0', 'real/gpu-0-partition-1']);
  assert.equal(p.partitions?.count, 2);
  assert.deepEqual(p.partitions?.nodes, ['real']);
  // A budget every GPU draws a part of (PCIe, NVLink) has no whole device: no partitions there.
  const budget = partitionedSlices('real');
  const devices = (budget[1]!.spec as { devices: { name: string }[] }).devices;
  (budget[1]!.spec as { devices: unknown[] }).devices = devices.filter((d) => d.name !== 'gpu-0-full');
  assert.equal(partitionsOf(budget).partitions, undefined);
  const plain: Slice[] = [{ metadata: { name: 's' }, spec: { driver: 'gpu.example.com', nodeName: 'real', pool: { name: 'real', generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0' }] } }];
  assert.equal(partitionsOf(plain).partitions, undefined);
});

const ctx = (nodes: object[], slices: Slice[], profile = PROFILES.nvidia!): DiscoverContext<{ 'sharing.partitionSelector': string | undefined }> => withScan({
  cluster: facts(nodes),
  settings: { 'sharing.partitionSelector': undefined },
  accelerator: profile,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>(t: { kind: string }) {
    return (t.kind === 'DeviceClass' ? [{ metadata: { name: 'gpu.example.com' }, spec: { selectors: [{ cel: { expression: 'device.driver == "gpu.example.com"' } }] } }] : t.kind === 'ResourceSlice' ? slices : []) as T[];
  },
});

test('time-slicing replicas and MIG resources are found from the device plugin\'s labels and allocatable', async () => {
  const nodes = [
    { metadata: { name: 'ts', labels: { 'nvidia.com/gpu.replicas': '4', 'nvidia.com/gpu.count': '2' } }, status: { conditions: ready, allocatable: { 'nvidia.com/gpu': '8' } } },
    { metadata: { name: 'mig', labels: {} }, status: { conditions: ready, allocatable: { 'nvidia.com/mig-1g.10gb': '7', 'nvidia.com/gpu': '0' } } },
    // A replicas label whose allocatable is not above the physical count is not oversubscription.
    // NVIDIA's renameByDefault: the replicas are advertised as nvidia.com/gpu.shared.
    { metadata: { name: 'renamed', labels: { 'nvidia.com/gpu.replicas': '2', 'nvidia.com/gpu.count': '1' } }, status: { conditions: ready, allocatable: { 'nvidia.com/gpu.shared': '2' } } },
    { metadata: { name: 'plain', labels: { 'nvidia.com/gpu.replicas': '4', 'nvidia.com/gpu.count': '2' } }, status: { conditions: ready, allocatable: { 'nvidia.com/gpu': '2' } } },
  ];
  const d = await gpuSharing.discover(ctx(nodes, []));
  assert.ok(d.ready);
  assert.deepEqual(d.env.replicas, [{ node: 'ts', resource: 'nvidia.com/gpu', replicas: 4, physical: 2 }, { node: 'renamed', resource: 'nvidia.com/gpu.shared', replicas: 2, physical: 1 }]);
  assert.deepEqual(d.env.partitionResources, [{ node: 'mig', resource: 'nvidia.com/mig-1g.10gb', allocatable: 7 }]);
  assert.equal(d.env.dra, undefined);
});

test('with no sharing mechanism the check does not run, and says what would make it', async () => {
  const d = await gpuSharing.discover(ctx([{ metadata: { name: 'n', labels: {} }, status: { conditions: ready, allocatable: { 'nvidia.com/gpu': '8' } } }], []));
  assert.equal(d.ready, false);
  assert.ok(!d.ready && d.reason === 'missing-component' && /time-slicing, MPS or MIG/.test(d.remedy ?? ''));
});

test('DRA partitions are found and the node with real containers is leased first', async () => {
  const nodes = [{ metadata: { name: 'sim' }, status: { conditions: ready } }, { metadata: { name: 'real' }, status: { conditions: ready } }];
  const d = await gpuSharing.discover(ctx(nodes, [...partitionedSlices('sim'), ...partitionedSlices('real')], PROFILES.example!));
  assert.ok(d.ready);
  assert.equal(d.env.dra?.partitions?.count, 4);
  assert.deepEqual(d.nodes, ['real', 'sim']);
});
