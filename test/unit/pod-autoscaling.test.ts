import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import podAutoscaling from '../../src/checks/pod-autoscaling.js';
import { withScan } from '../helpers.js';

// Discovery of the custom metrics API: an APIService's Available condition lags its backend by up to
// half a minute, so what discovery itself could read this run decides.

const apiService = (available: string, message = '') => ({
  metadata: { name: 'v1beta1.custom.metrics.k8s.io' },
  spec: { service: { name: 'prometheus-adapter', namespace: 'monitoring' } },
  status: { conditions: [{ type: 'Available', status: available, message }] },
});
const node = { metadata: { name: 'real-0', labels: {} }, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { 'example.com/gpu': '4' } } };
const facts = (unavailable: Map<string, string>): ClusterFacts => ({
  version: { gitVersion: 'v1.37.2', major: '1', minor: '37' },
  nodes: [node] as never,
  serves: () => true,
  verbs: () => ['get', 'list'],
  servedVersions: () => [],
  unavailable,
  isSimulated: () => false,
  allSimulated: false,
});
const ctx = (objects: Record<string, object[]>, unavailable = new Map<string, string>()): DiscoverContext<{ 'autoscaling.timeout': number }> => withScan({
  cluster: facts(unavailable),
  settings: { 'autoscaling.timeout': 180_000 },
  accelerator: PROFILES.example!,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>(t: { kind: string }) {
    return (objects[t.kind] ?? []) as T[];
  },
});

test('pod_autoscaling: an APIService still marked Available whose group discovery failed is not available', async () => {
  const stale = await podAutoscaling.discover(ctx({ APIService: [apiService('True', 'Passed all checks')] }, new Map([['custom.metrics.k8s.io/v1beta1', '503 ServiceUnavailable']])));
  assert.equal(stale.ready, false);
  assert.match(!stale.ready ? stale.detail : '', /registered but not available: v1beta1\.custom\.metrics\.k8s\.io → monitoring\/prometheus-adapter: discovery of custom\.metrics\.k8s\.io\/v1beta1 failed: 503/);
  const down = await podAutoscaling.discover(ctx({ APIService: [apiService('False', 'failing or missing response')] }));
  assert.equal(down.ready, false);
  assert.match(!down.ready ? down.detail : '', /failing or missing response/);
  const none = await podAutoscaling.discover(ctx({ APIService: [] }));
  assert.match(!none.ready ? none.detail : '', /no custom\.metrics\.k8s\.io APIService/);
  const served = await podAutoscaling.discover(ctx({ APIService: [apiService('True')] }));
  assert.equal(served.ready, true, JSON.stringify(served));
});
