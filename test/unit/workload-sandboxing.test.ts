import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { classifyHandler } from '../../src/checks/profiles/sandboxes.js';
import sandboxing, { parseHostView } from '../../src/checks/workload-sandboxing.js';
import { withScan } from '../helpers.js';

test('runtime handlers: gVisor and Kata are sandboxes, runc and nvidia are not, anything else is unrecognised', () => {
  assert.deepEqual(classifyHandler('runsc'), { kind: 'sandbox', what: 'gVisor' });
  assert.deepEqual(classifyHandler('kata-qemu'), { kind: 'sandbox', what: 'Kata Containers' });
  assert.deepEqual(classifyHandler('runc'), { kind: 'ordinary' });
  assert.deepEqual(classifyHandler('nvidia'), { kind: 'ordinary' });
  assert.deepEqual(classifyHandler('wasmtime'), { kind: 'unrecognised' });
  assert.deepEqual(classifyHandler('runscx'), { kind: 'unrecognised' });
});

test('the probe\'s view of a gVisor sandbox, as gVisor prints it', () => {
  const log = [
    'KSB kernel: 4.4.0',
    'KSB version: Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016',
    'KSB boot: 5d1c1c0e-5b4e-4b4b-9a4e-2f1b0f6c1d2a',
    'KSB proc: sh', 'KSB proc: sleep',
    'KSB if: lo', 'KSB if: eth0',
    'KSB addr: 127.0.0.1', 'KSB addr: 10.88.0.7',
    'KSB done',
  ].join('\n');
  const v = parseHostView(log);
  assert.equal(v.done, true);
  assert.equal(v.kernel, '4.4.0');
  assert.equal(v.bootId, '5d1c1c0e-5b4e-4b4b-9a4e-2f1b0f6c1d2a');
  assert.deepEqual(v.processes, ['sh', 'sleep']);
  assert.deepEqual(v.paths, []);
  assert.deepEqual(v.addresses, ['127.0.0.1', '10.88.0.7']);
  assert.equal(parseHostView('KSB kernel: 6.1\n').done, false, 'an unfinished probe is not a view');
});

const facts = (nodes: object[], groups: Record<string, string[]> = {}): ClusterFacts => ({
  version: { gitVersion: 'v1.37.2', major: '1', minor: '37' },
  nodes: nodes as never,
  serves: (gv) => gv === 'node.k8s.io/v1',
  verbs: () => ['get', 'list'],
  servedVersions: (g) => groups[g] ?? [],
  unavailable: new Map(),
  isSimulated: (n) => n.startsWith('kwok-'),
  allSimulated: false,
});
const ready = { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kernelVersion: '6.1.0', bootID: 'b00t' }, addresses: [{ type: 'InternalIP', address: '192.0.2.2' }] };
const ctx = (classes: object[], nodes: object[], set: string | undefined = undefined, groups: Record<string, string[]> = {}): DiscoverContext<{ 'sandbox.runtimeClass': string | undefined }> => withScan({
  cluster: facts(nodes, groups),
  settings: { 'sandbox.runtimeClass': set },
  accelerator: PROFILES.nvidia!,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>() {
    return classes as T[];
  },
});

test('discovery prefers a known sandbox handler, honours the RuntimeClass\'s nodeSelector, and runs only where containers run', async () => {
  const classes = [{ metadata: { name: 'sandboxed-by-name' }, handler: 'runc' }, { metadata: { name: 'kata' }, handler: 'kata-qemu', scheduling: { nodeSelector: { 'katacontainers.io/kata-runtime': 'true' } } }];
  const nodes = [
    { metadata: { name: 'kwok-0', labels: { 'katacontainers.io/kata-runtime': 'true' } }, status: ready },
    { metadata: { name: 'plain', labels: {} }, status: ready },
    { metadata: { name: 'katanode', labels: { 'katacontainers.io/kata-runtime': 'true' } }, spec: { taints: [{ key: 'sandbox', effect: 'NoSchedule' }] }, status: ready },
  ];
  const d = await sandboxing.discover(ctx(classes, nodes));
  assert.ok(d.ready);
  assert.equal(d.env.runtimeClass, 'kata');
  assert.equal(d.env.bootId, 'b00t');
  assert.equal(d.env.node, 'katanode');
  assert.deepEqual(d.env.tolerations, [{ key: 'sandbox', operator: 'Exists' }]);
  assert.deepEqual(d.env.nodeAddresses, ['192.0.2.2']);
});

test('an unrecognised handler is reported and never failed; --set names it; none at all is a missing component', async () => {
  const nodes = [{ metadata: { name: 'n', labels: {} }, status: ready }];
  const unknown = await sandboxing.discover(ctx([{ metadata: { name: 'wasm' }, handler: 'wasmtime' }], nodes));
  assert.ok(!unknown.ready && unknown.reason === 'no-verdict' && /--set sandbox.runtimeClass=wasm/.test(unknown.remedy ?? ''));
  const chosen = await sandboxing.discover(ctx([{ metadata: { name: 'wasm' }, handler: 'wasmtime' }], nodes, 'wasm'));
  assert.ok(chosen.ready && chosen.env.runtimeClass === 'wasm');
  const none = await sandboxing.discover(ctx([], nodes, undefined, { 'agents.x-k8s.io': ['v1alpha1'] }));
  assert.ok(!none.ready && none.reason === 'missing-component');
  assert.equal(none.found?.agentSandboxApi, 'agents.x-k8s.io v1alpha1');
  // Named like a sandbox, with a handler kaic does not know: reported, not proven (and never failed).
  const hinted = await sandboxing.discover(ctx([{ metadata: { name: 'sandbox' }, handler: 'krun' }], nodes));
  assert.ok(!hinted.ready && hinted.reason === 'no-verdict');
  // Named like a sandbox, with plain runc: proven (the twin), so it can FAIL.
  const twin = await sandboxing.discover(ctx([{ metadata: { name: 'gvisor' }, handler: 'runc' }], nodes));
  assert.ok(twin.ready && twin.env.runtimeClass === 'gvisor' && /ordinary handler runc/.test(twin.env.what));
  const onlyKwok = await sandboxing.discover(ctx([{ metadata: { name: 'gvisor' }, handler: 'runsc' }], [{ metadata: { name: 'kwok-1', labels: {} }, status: ready }]));
  assert.ok(!onlyKwok.ready && onlyKwok.reason === 'simulated-nodes');
});
