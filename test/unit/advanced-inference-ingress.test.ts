import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import aii, { distinguishable, pickerCount, poolRules, readPool, ruleFits, shownUrl } from '../../src/checks/advanced-inference-ingress.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { withScan } from '../helpers.js';

// No Gateway implementation here runs the Inference Extension's endpoint picker (it needs Envoy's
// ext_proc), so the check is NOT-RUN on the local cluster; its reading of the objects is tested on
// InferencePools and HTTPRoutes in the shapes of the API's v1 and v1alpha2.

const v1Pool = { apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: { name: 'llama', namespace: 'llm' }, spec: { selector: { matchLabels: { app: 'vllm-llama' } }, targetPorts: [{ number: 8000 }], endpointPickerRef: { name: 'llama-epp', port: { number: 9002 }, failureMode: 'FailClose' } } };
const alphaPool = { apiVersion: 'inference.networking.x-k8s.io/v1alpha2', kind: 'InferencePool', metadata: { name: 'llama-canary', namespace: 'llm' }, spec: { selector: { app: 'vllm-llama-canary' }, targetPortNumber: 8000, extensionRef: { name: 'canary-epp', failureMode: 'FailOpen' } } };

test('InferencePools of both versions read into one shape: selector, port, picker, failure mode', () => {
  assert.deepEqual(readPool(v1Pool as never), { group: 'inference.networking.k8s.io', namespace: 'llm', name: 'llama', selector: { app: 'vllm-llama' }, port: 8000, picker: { name: 'llama-epp', kind: 'Service', port: 9002 }, failOpen: false });
  const alpha = readPool(alphaPool as never);
  assert.equal(alpha.group, 'inference.networking.x-k8s.io');
  assert.deepEqual(alpha.selector, { app: 'vllm-llama-canary' });
  assert.equal(alpha.port, 8000);
  assert.deepEqual(alpha.picker, { name: 'canary-epp', kind: 'Service' });
  assert.equal(alpha.failOpen, true);
  // A picker of another kind is kept as such (reported, not read as a Service).
  const other = structuredClone(v1Pool) as typeof v1Pool & { spec: { endpointPickerRef: { group?: string; kind?: string } } };
  Object.assign(other.spec.endpointPickerRef, { group: 'example.com', kind: 'Picker' });
  assert.equal(readPool(other as never).picker?.kind, 'Picker.example.com');
});

const route = (name: string, backends: object[], accepted = true, more: { hostnames?: string[]; matches?: object[] } = {}) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'llm' }, spec: { parentRefs: [{ name: 'inference-gw' }], ...(more.hostnames ? { hostnames: more.hostnames } : {}), rules: [{ backendRefs: backends, ...(more.matches ? { matches: more.matches } : {}) }] }, status: { parents: [{ conditions: [{ type: 'Accepted', status: accepted ? 'True' : 'False' }, { type: 'ResolvedRefs', status: 'True' }] }] } });

test('routes: only InferencePool backends of the extension\'s groups count, keyed with their group, with weights, Gateways and header conditions', () => {
  const rules = poolRules([
    route('canary', [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama', weight: 80 }, { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama-canary', weight: 20 }]),
    route('plain', [{ kind: 'Service', name: 'vllm', port: 8000 }]),
    route('alpha', [{ group: 'inference.networking.x-k8s.io', kind: 'InferencePool', name: 'llama' }], false),
    route('impostor', [{ group: 'example.com', kind: 'InferencePool', name: 'llama' }]),
    route('by-header', [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }], true, { matches: [{ headers: [{ name: 'x-tenant', value: 'a' }] }] }),
  ] as never);
  assert.deepEqual(rules.map((r) => [r.route, r.accepted, r.conditional, r.gateways, r.backends]), [
    ['canary', true, false, ['llm/inference-gw'], [{ pool: 'inference.networking.k8s.io/llm/llama', weight: 80 }, { pool: 'inference.networking.k8s.io/llm/llama-canary', weight: 20 }]],
    ['alpha', false, false, ['llm/inference-gw'], [{ pool: 'inference.networking.x-k8s.io/llm/llama', weight: 1 }]],
    ['by-header', true, true, ['llm/inference-gw'], [{ pool: 'inference.networking.k8s.io/llm/llama', weight: 1 }]],
  ]);
});

test('a rule is what the endpoint reaches only on its Gateway\'s address or the route\'s hostname, and not behind a header match', () => {
  const [canary] = poolRules([route('canary', [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }])] as never);
  const [named] = poolRules([route('named', [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }], true, { hostnames: ['*.models.example.com'] })] as never);
  const [header] = poolRules([route('h', [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }], true, { matches: [{ headers: [{ name: 'x', value: 'y' }] }] })] as never);
  const addresses = new Map([['llm/inference-gw', ['10.0.0.5']]]);
  assert.equal(ruleFits(canary!, 'http://10.0.0.5/v1/completions', addresses), true);
  assert.equal(ruleFits(canary!, 'http://10.0.0.6/v1/completions', addresses), false, 'another load balancer in front of the same pods');
  assert.equal(ruleFits(named!, 'https://llama.models.example.com/v1/completions', new Map()), true);
  assert.equal(ruleFits(header!, 'http://10.0.0.5/v1/completions', addresses), false);
  assert.equal(shownUrl('https://user:secret@gw.example.com/v1/completions?api_key=abc'), 'https://gw.example.com/v1/completions');
  for (const [w, ok] of [[0.8, true], [0.6, true], [0.55, false], [0.95, false], [0.9, true], [1, false]] as const) assert.equal(distinguishable(w), ok, String(w));
});

test('the picker\'s request counter: v1\'s and the earlier name, summed over series; none is unknown, not zero', () => {
  const exposition = [
    '# HELP inference_objective_request_total Counter of inference objective requests broken out for each model and target model.',
    '# TYPE inference_objective_request_total counter',
    'inference_objective_request_total{model_name="llama",target_model_name="llama"} 41',
    'inference_objective_request_total{model_name="llama",target_model_name="llama-lora"} 1',
    'inference_pool_ready_pods{name="llama"} 2',
  ].join('\n');
  assert.equal(pickerCount(exposition), 42);
  assert.equal(pickerCount('inference_model_request_total{model_name="m"} 7\n'), 7);
  assert.equal(pickerCount('go_goroutines 12\n'), undefined, 'not a picker');
  assert.equal(pickerCount('inference_pool_ready_pods{name="llama"} 2\n'), 0, 'a picker that has counted nothing yet');
});

const ctx = (served: string | undefined, objs: { pools?: object[]; routes?: object[]; pods?: object[] }, set: Record<string, string> = {}): DiscoverContext<never> => withScan({
  cluster: { version: { gitVersion: 'v1.37.2', major: '1', minor: '37' }, nodes: [], serves: (gv, plural) => (plural === 'inferencepools' ? gv === served : gv === 'gateway.networking.k8s.io/v1'), verbs: () => ['get', 'list'], servedVersions: () => [], unavailable: new Map(), isSimulated: () => false, allSimulated: false } satisfies ClusterFacts,
  settings: { 'gaie.pool': set.pool } as never,
  accelerator: PROFILES.nvidia!,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>(t: { kind: string }) {
    if (t.kind === 'InferencePool') return (objs.pools ?? []) as T[];
    if (t.kind === 'HTTPRoute') return (objs.routes ?? []) as T[];
    if (t.kind === 'Pod') return (objs.pods ?? []) as T[];
    return [] as T[];
  },
});

test('discovery: no InferencePool API is NOT-RUN with the N/A wording; pools and the routes to them are reported', async () => {
  const none = await aii.discover(ctx(undefined, {}));
  assert.ok(!none.ready && /not installed/.test(none.detail) && /N\/A/.test(none.remedy ?? ''));
  const empty = await aii.discover(ctx('inference.networking.k8s.io/v1', {}));
  assert.ok(!empty.ready && /no InferencePool exists/.test(empty.detail));
  const d = await aii.discover(ctx('inference.networking.k8s.io/v1', { pools: [v1Pool], routes: [route('r', [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama' }])] }));
  assert.equal(d.ready, true);
  if (d.ready) {
    assert.equal(d.env.pools.length, 1);
    assert.match(d.found.pools!, /llm\/llama \(inference\.networking\.k8s\.io; picker Service llama-epp\)/);
    assert.match(d.found.routes!, /llm\/r → inference\.networking\.k8s\.io\/llm\/llama×1/);
  }
});
