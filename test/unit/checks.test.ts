import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import draSupport from '../../src/checks/dra-support.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { nativeGangReason } from '../../src/checks/profiles/gang.js';
import { deviceRequest, draVersionFor } from '../../src/checks/support/dra.js';
import { formatQuantity, parseQuantity } from '../../src/checks/support/quantity.js';
import { withScan } from '../helpers.js';

const facts = (minor: string, served: string[]): ClusterFacts => ({
  version: { gitVersion: `v1.${minor}.0`, major: '1', minor },
  nodes: [{ metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }],
  serves: (gv) => served.some((v) => gv === `resource.k8s.io/${v}`),
  verbs: () => ['create', 'delete', 'get', 'list', 'watch'],
  servedVersions: (g) => (g === 'resource.k8s.io' ? served : []),
  unavailable: new Map(),
  isSimulated: () => true,
  allSimulated: true,
});

test('quantities: millicores, binary and decimal suffixes, exponents; never parseInt', () => {
  assert.equal(parseQuantity('3920m'), 3.92);
  assert.equal(parseQuantity('64'), 64);
  assert.equal(parseQuantity('512Gi'), 512 * 2 ** 30);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('1.5k'), 1500);
  assert.equal(parseQuantity('lots'), undefined);
  assert.equal(formatQuantity(3.92, 'cpu'), '3920m');
  assert.equal(formatQuantity(3, 'nvidia.com/gpu'), '3');
});

test('the DRA API to prove follows the cluster\'s Kubernetes version: v1 from 1.34, the betas before', () => {
  assert.deepEqual(draVersionFor(facts('37', ['v1', 'v1beta2'])), { expected: ['v1'], served: 'v1' });
  assert.deepEqual(draVersionFor(facts('37', ['v1beta1', 'v1beta2'])), { expected: ['v1'] }, 'a 1.37 cluster with only betas does not serve what 1.37 must');
  assert.deepEqual(draVersionFor(facts('33', ['v1beta1'])), { expected: ['v1beta2', 'v1beta1'], served: 'v1beta1' });
  assert.deepEqual(deviceRequest('v1beta1', 'r', 'c'), { name: 'r', deviceClassName: 'c' });
  assert.deepEqual(deviceRequest('v1', 'r', 'c'), { name: 'r', exactly: { deviceClassName: 'c' } });
});

test('dra_support on a v1.33 cluster serving resource.k8s.io/v1beta1 proves that version, not v1', async () => {
  const lists: string[] = [];
  const ctx: DiscoverContext<Record<string, never>> = withScan({
    cluster: facts('33', ['v1beta1']),
    settings: {},
    accelerator: PROFILES.nvidia!,
    images: DEFAULT_IMAGES,
    signal: new AbortController().signal,
    async list<T>(t: { apiVersion: string; kind: string }) {
      lists.push(`${t.apiVersion} ${t.kind}`);
      return (t.kind === 'DeviceClass' ? [{ metadata: { name: 'gpu.nvidia.com' } }] : [{ metadata: { name: 's' }, spec: { driver: 'gpu.nvidia.com', nodeName: 'n1', pool: { name: 'n1', generation: 1, resourceSliceCount: 1 }, devices: [{ name: 'gpu-0', basic: { attributes: { uuid: { string: 'GPU-1' } } } }] } }]) as T[];
    },
  });
  const d = await draSupport.discover(ctx);
  assert.ok(d.ready);
  assert.equal((d.env as { gv: string }).gv, 'resource.k8s.io/v1beta1');
  assert.deepEqual(lists, ['resource.k8s.io/v1beta1 DeviceClass', 'resource.k8s.io/v1beta1 ResourceSlice']);
  assert.deepEqual(d.nodes, ['n1']);
});

test('the native gang solver names the gang\'s own refusal, not a plain "Insufficient"', () => {
  assert.equal(nativeGangReason('Unschedulable', 'pod group is unschedulable, minCount (5) cannot be satisfied: 4 scheduled, 0 remaining'), true);
  assert.equal(nativeGangReason('Unschedulable', '0/6 nodes are available: 6 Insufficient nvidia.com/gpu.'), false);
  assert.equal(nativeGangReason('SchedulingGated', 'Scheduling is blocked due to non-empty scheduling gates'), false);
});

test('every check reports under the upstream go-test name its requirement has in the catalog (one table)', async () => {
  const { CHECKS } = await import('../../src/checks/registry.js');
  const { CATALOG } = await import('../../src/standard/catalog.js');
  for (const [id, check] of CHECKS) {
    const req = CATALOG.find((r) => r.id === id);
    assert.ok(req, `${id} is a requirement of the standard`);
    assert.equal(check.testName, req.tests[0], `${id}: the artifacts name it ${check.testName}, the catalog ${req.tests[0]}`);
  }
  assert.equal(CHECKS.get('accelerator_metrics')?.testName, 'TestAcceleratorPerformanceMetrics');
  assert.equal(CHECKS.get('ai_service_metrics')?.testName, 'TestAIServiceMetrics');
});
