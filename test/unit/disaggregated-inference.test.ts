import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterFacts, DiscoverContext } from '../../src/checks/api.js';
import disagg, { correlate, prompt, rolePods } from '../../src/checks/disaggregated-inference.js';
import { firstModel, linesNaming, redact } from '../../src/checks/support/serving.js';
import { DEFAULT_IMAGES } from '../../src/checks/images.js';
import { PROFILES } from '../../src/checks/profiles/accelerators.js';
import { roleOf } from '../../src/checks/profiles/disaggregation.js';
import { withScan } from '../helpers.js';

// No model can run here, so the proof's two halves are tested apart: which pods are prefill and
// decode (from the labels and flags the stacks use), and where kaic's request ids show up in logs.
// The log lines are written in the shape of vLLM's request logging (none could be recorded here).

const pod = (name: string, o: { ns?: string; labels?: Record<string, string>; args?: string[]; command?: string[]; ready?: boolean; phase?: string; containers?: string[] } = {}): V1Pod => ({
  metadata: { name, namespace: o.ns ?? 'serving', labels: o.labels ?? {} },
  spec: { containers: (o.containers ?? ['vllm']).map((c, i) => ({ name: c, ...(i === 0 && o.args ? { args: o.args } : {}), ...(i === 0 && o.command ? { command: o.command } : {}) })) },
  status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

test('roles: llm-d and Dynamo labels, SGLang\'s --disaggregation-mode, vLLM\'s kv_role; aggregated pods and NIXL\'s kv_both have none', () => {
  assert.equal(roleOf(pod('a', { labels: { 'llm-d.ai/role': 'prefill' } }))?.role, 'prefill');
  assert.equal(roleOf(pod('a', { labels: { 'llm-d.ai/role': 'decode' } }))?.role, 'decode');
  assert.equal(roleOf(pod('a', { labels: { 'llm-d.ai/role': 'prefill-decode' } })), undefined, 'an aggregated llm-d pod does both: neither role');
  assert.equal(roleOf(pod('a', { labels: { 'nvidia.com/dynamo-sub-component-type': 'decode' } }))?.by, 'NVIDIA Dynamo label nvidia.com/dynamo-sub-component-type=decode');
  assert.equal(roleOf(pod('a', { command: ['python3', '-m', 'sglang.launch_server'], args: ['--model-path', 'x', '--disaggregation-mode', 'prefill'] }))?.role, 'prefill');
  assert.equal(roleOf(pod('a', { args: ['--disaggregation-mode=decode'] }))?.role, 'decode');
  assert.equal(roleOf(pod('a', { args: ['vllm serve x --kv-transfer-config \'{"kv_connector":"P2pNcclConnector","kv_role":"kv_producer"}\''] }))?.role, 'prefill');
  assert.equal(roleOf(pod('a', { args: ['--kv-transfer-config', '{"kv_connector":"P2pNcclConnector","kv_role":"kv_consumer"}'] }))?.role, 'decode');
  assert.equal(roleOf(pod('a', { args: ['--kv-transfer-config', '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'] })), undefined);
  assert.equal(roleOf(pod('a', { args: ['--model', 'x'] })), undefined);
  // Only running pods count; readiness is kept for the first case.
  const pods = rolePods([pod('p', { labels: { 'llm-d.ai/role': 'prefill' } }), pod('d', { labels: { 'llm-d.ai/role': 'decode' }, ready: false }), pod('x', { labels: { 'llm-d.ai/role': 'decode' }, phase: 'Pending' })]);
  assert.deepEqual(pods.map((p) => [p.name, p.role, p.ready]), [['p', 'prefill', true], ['d', 'decode', false]]);
});

const ID = '0f8e6b9a-3c2d-4e1f-9a7b-5d6c4b3a2f10';
const ID2 = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const prefillLog = [
  `INFO 12-06 03:10:01 [logger.py:43] Received request cmpl-${ID}-0: prompt: '${ID} kaic checks that ...', params: SamplingParams(n=1, max_tokens=1), prompt_token_ids: None, lora_request: None.`,
  `INFO 12-06 03:10:01 [engine.py:310] Added request cmpl-${ID}-0.`,
  'INFO:     10.0.3.7:51234 - "POST /v1/completions HTTP/1.1" 200 OK',
].join('\n');
const decodeLog = [
  `INFO 12-06 03:10:02 [logger.py:43] Received request cmpl-${ID}-0: prompt: '${ID} kaic checks that ...', params: SamplingParams(n=1, max_tokens=4), prompt_token_ids: None, lora_request: None.`,
  `INFO 12-06 03:10:02 [engine.py:310] Added request cmpl-${ID}-0.`,
].join('\n');
const at = (pod: string, role: 'prefill' | 'decode', log: string, ids = [ID, ID2]) => ({ pod, role, lines: linesNaming(log, ids) });

test('correlation: an id in a prefill pod and a different decode pod is the split; one role only, or nowhere, is said as such', () => {
  assert.deepEqual(correlate([at('prefill-0', 'prefill', prefillLog), at('decode-0', 'decode', decodeLog)], [ID]), { kind: 'split', id: ID, prefill: ['prefill-0'], decode: ['decode-0'] });
  assert.deepEqual(correlate([at('prefill-0', 'prefill', 'INFO ready'), at('decode-0', 'decode', decodeLog)], [ID]), { kind: 'one-role', role: 'decode', pods: ['decode-0'] });
  assert.deepEqual(correlate([at('prefill-0', 'prefill', 'INFO ready'), at('decode-0', 'decode', 'INFO ready')], [ID]), { kind: 'unseen' });
  // Another of kaic's ids is not this one; the second of several ids may be the split one.
  assert.equal(correlate([at('p', 'prefill', prefillLog), at('d', 'decode', decodeLog)], [ID2]).kind, 'unseen');
  assert.equal(correlate([at('p', 'prefill', prefillLog), at('d', 'decode', decodeLog)], [ID2, ID]).kind, 'split');
  // A request the prefill pod aborted (a timeout, then a retry elsewhere) is no split.
  const aborted = `${prefillLog}\nINFO 12-06 03:11:01 [async_llm.py:420] Aborted request cmpl-${ID}-0.`;
  assert.equal(correlate([at('p', 'prefill', aborted), at('d', 'decode', decodeLog)], [ID]).kind, 'unseen');
  // One pod in both lists is not two pods.
  assert.equal(correlate([at('p', 'prefill', prefillLog), at('p', 'decode', decodeLog)], [ID]).kind, 'one-role');
});

test('log lines kept as evidence: only those naming an id, cut to 500 characters, credentials masked, at most 50', () => {
  const long = `${ID} ${'x'.repeat(2000)}`;
  assert.equal(linesNaming(long, [ID])[0]!.length, 500);
  assert.equal(linesNaming('a\nb\nc', [ID]).length, 0);
  assert.equal(linesNaming(Array.from({ length: 80 }, () => ID).join('\n'), [ID]).length, 50);
  const masked = redact(`headers: {"authorization": "Bearer sk-123", "x-request-id": "${ID}"}`);
  assert.ok(!masked.includes('sk-123') && masked.includes(ID), masked);
  assert.match(redact('api_key=abc123 token: t0k3n'), /api_key=\*\*\* token: \*\*\*/);
});

test('the model list: the first id, or nothing for anything that is not one', () => {
  assert.equal(firstModel('{"object":"list","data":[{"id":"meta-llama/Llama-3.1-8B-Instruct","object":"model"}]}'), 'meta-llama/Llama-3.1-8B-Instruct');
  for (const b of ['<html>gateway</html>', 'null', '{"data":{}}', '{"data":[]}', '{"data":[{"id":7}]}', '{"data":[{"id":"x"']) assert.equal(firstModel(b), undefined, b);
});

test('the prompt: as long as asked, starting with the request\'s own id so that no cache has seen it', () => {
  const p = prompt(1500, ID);
  assert.equal(p.split(' ').length, 1500);
  assert.ok(p.startsWith(`${ID} kaic`));
  assert.notEqual(prompt(300, ID), prompt(300, ID2));
});

const ctx = (pods: V1Pod[], set: Record<string, string> = {}): DiscoverContext<never> => withScan({
  cluster: { version: { gitVersion: 'v1.37.2', major: '1', minor: '37' }, nodes: [], serves: (gv) => gv === 'llm-d.ai/v1alpha1', verbs: () => ['list'], servedVersions: () => [], unavailable: new Map(), isSimulated: () => false, allSimulated: false } satisfies ClusterFacts,
  settings: { 'disagg.namespace': set.namespace } as never,
  accelerator: PROFILES.nvidia!,
  images: DEFAULT_IMAGES,
  signal: new AbortController().signal,
  async list<T>(t: { kind: string }) {
    if (t.kind === 'Pod') return pods as T[];
    if (t.kind === 'ModelService') return [{ metadata: { name: 'llama' } }] as T[];
    return [] as T[];
  },
});

test('discovery: prefill and decode pods of one namespace; roles split over namespaces, or none, are NOT-RUN with the N/A wording', async () => {
  const decode = pod('ms-decode-0', { labels: { 'llm-d.ai/role': 'decode' } });
  // llm-d's routing proxy is a native sidecar: an init container that keeps running.
  decode.spec!.initContainers = [{ name: 'routing-proxy', restartPolicy: 'Always' }, { name: 'fetch-model' }];
  decode.spec!.containers[0]!.ports = [{ containerPort: 8200, protocol: 'TCP' }];
  const llmd = [pod('ms-prefill-0', { labels: { 'llm-d.ai/role': 'prefill' } }), decode];
  const d = await disagg.discover(ctx(llmd));
  assert.equal(d.ready, true);
  if (d.ready) {
    assert.equal(d.env.namespace, 'serving');
    assert.deepEqual(d.env.pods.find((p) => p.role === 'decode')?.containers, ['vllm', 'routing-proxy']);
    assert.equal(d.env.pods.find((p) => p.role === 'decode')?.port, 8200);
    assert.equal(d.found.stacks, 'llm-d (1 modelservices)');
  }
  const apart = await disagg.discover(ctx([pod('p', { ns: 'a', labels: { 'llm-d.ai/role': 'prefill' } }), pod('d', { ns: 'b', labels: { 'llm-d.ai/role': 'decode' } })]));
  assert.ok(!apart.ready && apart.reason === 'missing-component' && /no namespace runs both/.test(apart.detail));
  const none = await disagg.discover(ctx([pod('vllm-0', { args: ['--model', 'x'] })]));
  assert.ok(!none.ready && /N\/A in PRODUCT.yaml/.test(none.remedy ?? ''));
  const named = await disagg.discover(ctx(llmd, { namespace: 'other' }));
  assert.ok(!named.ready && /namespace other \(--set disagg.namespace\) runs no Running prefill and decode pods$/.test(named.detail), !named.ready ? named.detail : '');
  const right = await disagg.discover(ctx(llmd, { namespace: 'serving' }));
  assert.ok(right.ready && right.env.namespace === 'serving');
});
