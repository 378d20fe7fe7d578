import type { V1Pod } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { defineCheck, type KObject } from './api.js';
import { roleOf, SERVING_KINDS, type Role } from './profiles/disaggregation.js';
import { isServingPod } from './support/pods.js';
import { podLinesNaming, resolveModel, sendUntilServed } from './support/serving.js';
import { duration, integer, text } from './settings.js';

/**
 * disaggregated_inference: prefill and decode run in different pods, and one request is served by
 * both. kaic sends requests through the endpoint the platform serves (its inference gateway), each
 * with an `X-Request-Id` of its own (vLLM takes that header as its request id, and llm-d's sidecar
 * forwards it to the prefill pod), then looks for each id in the logs of the prefill and decode pods.
 */

export interface RolePod {
  readonly namespace: string;
  readonly name: string;
  readonly role: Role;
  readonly by: string;
  readonly containers: readonly string[];
  readonly ready: boolean;
  /** The serving container's first TCP port (the control request goes there). */
  readonly port?: number;
}

interface Env {
  readonly namespace: string;
  readonly pods: readonly RolePod[];
  readonly stacks: readonly string[];
}

export type Correlation =
  | { readonly kind: 'split'; readonly id: string; readonly prefill: readonly string[]; readonly decode: readonly string[] }
  | { readonly kind: 'unseen' }
  | { readonly kind: 'one-role'; readonly role: Role; readonly pods: readonly string[] };

/** A line that says the request was not served (an abort, an error): such an id proves nothing. */
const ABORTED = /\babort|\berror\b|exception|failed/i;

/**
 * Where kaic's request ids appear: in a prefill pod and a different decode pod (split), in one role
 * only, or nowhere. `lines` are the log lines of each pod that name some id. An id with a line that
 * says it was aborted or failed anywhere is left out (a retried or failed request is no split).
 */
export function correlate(logs: readonly { pod: string; role: Role; lines: readonly string[] }[], ids: readonly string[]): Correlation {
  const usable = ids.filter((id) => !logs.some((l) => l.lines.some((line) => line.includes(id) && ABORTED.test(line))));
  const seenIn = (id: string, role: Role) => logs.filter((l) => l.role === role && l.lines.some((line) => line.includes(id))).map((l) => l.pod);
  for (const id of usable) {
    const prefill = seenIn(id, 'prefill');
    const decode = seenIn(id, 'decode');
    if (prefill.length && decode.some((d) => !prefill.includes(d))) return { kind: 'split', id, prefill, decode };
  }
  for (const role of ['decode', 'prefill'] as const) {
    const pods = [...new Set(usable.flatMap((id) => seenIn(id, role)))];
    if (pods.length) return { kind: 'one-role', role, pods };
  }
  return { kind: 'unseen' };
}

/** A running pod with a prefill or decode role, as much of it as the check uses; undefined otherwise. */
export function rolePod(p: V1Pod): RolePod | undefined {
  const r = roleOf(p);
  if (!r || p.status?.phase !== 'Running') return undefined;
  const ready = isServingPod(p);
  // Native sidecars (llm-d's routing proxy) log too.
  const sidecars = (p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
  const port = p.spec?.containers?.flatMap((c) => c.ports ?? []).find((x) => x.protocol !== 'UDP')?.containerPort;
  return { namespace: p.metadata!.namespace!, name: p.metadata!.name!, role: r.role, by: r.by, containers: [...(p.spec?.containers ?? []).map((c) => c.name), ...sidecars], ready, ...(port ? { port } : {}) };
}

/** Pods with a prefill or decode role (a deployment serves from one namespace). */
export function rolePods(pods: readonly V1Pod[]): RolePod[] {
  return pods.flatMap((p) => rolePod(p) ?? []);
}

/**
 * A long prompt that no cache has seen: routers send short prompts, and prompts whose prefix a
 * decode pod has cached, to that decode pod alone (llm-d's prefill decider). It starts with `nonce`.
 */
export function prompt(words: number, nonce: string): string {
  const base = 'kaic checks that prefill and decode are served by different pods for one request'.split(' ');
  return [nonce, ...Array.from({ length: words - 1 }, (_, i) => base[i % base.length])].join(' ');
}

const settings = {
  'disagg.endpoint': text({ description: 'the OpenAI-style completions URL the platform serves through its inference gateway (the request kaic sends goes there)', default: undefined, pattern: /^https?:\/\/\S+$/, example: 'http://10.0.0.5/v1/completions' }),
  'disagg.model': text({ description: 'the model to ask for (default: the first the endpoint lists at /v1/models)', default: undefined, example: 'meta-llama/Llama-3.1-8B-Instruct' }),
  'disagg.namespace': text({ description: 'the namespace of the prefill and decode pods to prove, when several have both', default: undefined, pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, example: 'llm-d' }),
  'disagg.promptWords': integer({ description: 'the prompt\'s length in words (long enough that the router splits prefill from decode)', default: '1500', min: 200, max: 20000 }),
  'disagg.requests': integer({ description: 'requests sent, each with its own id; one served by both roles is enough', default: '3', min: 1, max: 20 }),
  'disagg.port': integer({ description: 'the model servers\' port, for the control request straight to a pod (default: the serving container\'s first port)', default: undefined, min: 1, max: 65535 }),
  'disagg.timeout': duration({ description: 'how long the endpoint may take to serve, and the logs to show the ids', default: '2m', min: '10s', max: '10m' }),
};

export default defineCheck({
  id: 'disaggregated_inference',
  testName: 'TestDisaggregatedInference',
  summary: 'detects disaggregated serving (llm-d and NVIDIA Dynamo role labels, SGLang\'s --disaggregation-mode, vLLM\'s kv_role; llm-d, Dynamo and KServe kinds): prefill and decode pods Ready; requests through the endpoint you name succeed, each sent once with a request id of kaic\'s own (X-Request-Id, x-dynamo-request-id, rid) and a prompt no cache has seen; one id appears in a prefill pod\'s log and in a different decode pod\'s log. Found in one role only, it FAILs only if a control request sent straight to a pod of the other role shows up in that pod\'s log',
  needs: 'a disaggregated deployment with Ready prefill and decode pods, its endpoint (`--set disagg.endpoint`), and request logging on (vLLM `--enable-log-requests`)',
  cannotProve: 'that the KV cache was transferred rather than recomputed, or any latency benefit; a stack that does not take the X-Request-Id header as its request id is NOT-RUN, not failed',
  cases: ['RolesRunning', 'RequestServed', 'PrefillAndDecodeShareRequest'],
  uses: [
    { group: '', resources: ['pods'], verbs: ['get', 'list'] },
    { group: '', resources: ['pods/log'], verbs: ['get'] },
    // The control request straight to a model server (a POST through the pod proxy).
    { group: '', resources: ['pods/proxy'], verbs: ['get', 'create'] },
    { group: 'llm-d.ai', resources: ['modelservices'], verbs: ['list'] },
    { group: 'nvidia.com', resources: ['dynamographdeployments'], verbs: ['list'] },
    { group: 'serving.kserve.io', resources: ['llminferenceservices'], verbs: ['list'] },
  ],
  settings,
  images: [],
  timeoutMs: 15 * 60_000,

  async discover({ cluster, list, scan, settings: cfg }) {
    const stacks: string[] = [];
    for (const k of SERVING_KINDS) {
      if (!cluster.serves(k.apiVersion, k.plural) || !cluster.verbs(k.apiVersion, k.plural).includes('list')) continue;
      const objs = await list<KObject>({ apiVersion: k.apiVersion, kind: k.kind });
      stacks.push(`${k.stack} (${objs.length} ${k.plural})`);
    }
    const wanted = cfg['disagg.namespace'];
    // Every pod of the cluster (or of the namespace named) is read page by page, keeping only the
    // role pods: 20,000 pods are never held at once.
    const all = await scan<V1Pod, RolePod>({ apiVersion: 'v1', kind: 'Pod', ...(wanted ? { namespace: wanted } : {}) }, rolePod);
    const byNs = new Map<string, RolePod[]>();
    for (const p of all) byNs.set(p.namespace, [...(byNs.get(p.namespace) ?? []), p]);
    const both = [...byNs.entries()].filter(([, ps]) => ps.some((p) => p.role === 'prefill') && ps.some((p) => p.role === 'decode'));
    const found: Record<string, string> = {
      stacks: stacks.join('; ') || 'none',
      rolePods: all.length ? [...byNs.entries()].map(([ns, ps]) => `${ns}: ${ps.filter((p) => p.role === 'prefill').length} prefill, ${ps.filter((p) => p.role === 'decode').length} decode`).join('; ') : 'none',
    };
    if (wanted && !both.length) return { ready: false, reason: 'missing-component', detail: `namespace ${wanted} (--set disagg.namespace) runs no Running prefill and decode pods${all.length ? ` (found ${found.rolePods})` : ''}`, remedy: 'name the namespace of the disaggregated deployment, or leave disagg.namespace unset to search every namespace', found };
    if (!both.length) return { ready: false, reason: 'missing-component', detail: `no namespace runs both prefill and decode pods${all.length ? ` (found ${found.rolePods})` : ''}: disaggregated serving is not deployed, or marked in a way kaic does not recognise${stacks.length ? `; found ${found.stacks}` : ''}`, remedy: 'deploy a disaggregated model (llm-d, NVIDIA Dynamo, vLLM or SGLang with separate prefill and decode pods); a platform that offers none answers N/A in PRODUCT.yaml', found };
    const pick = both[0]!;
    found.namespace = pick[0];
    return { ready: true, env: { namespace: pick[0], pods: pick[1], stacks }, found, nodes: [] };
  },

  async prove(env: Env, s) {
    const ready = (role: Role) => env.pods.filter((p) => p.role === role && p.ready);
    await s.case('RolesRunning', async (c) => {
      const pre = ready('prefill');
      const dec = ready('decode');
      if (!pre.length || !dec.length) return c.notRun('control-failed', `in ${env.namespace}, ${pre.length} prefill and ${dec.length} decode pod(s) are Ready (running but not Ready: ${env.pods.filter((p) => !p.ready).map((p) => p.name).join(', ') || 'none'})`, 'run when the deployment is Ready');
      c.pass(`in ${env.namespace}: prefill ${pre.map((p) => p.name).join(', ')}; decode ${dec.map((p) => p.name).join(', ')} (${[...new Set(env.pods.map((p) => p.by))].join('; ')})`);
    });

    const endpoint = s.settings['disagg.endpoint'];
    const timeoutMs = s.settings['disagg.timeout'];
    const words = s.settings['disagg.promptWords'];
    /** Ids of requests answered 200, each sent once (a retry gets a new id). */
    const served: string[] = [];
    let model: string | undefined;
    let started = 0;
    // vLLM takes X-Request-Id as its request id, Dynamo x-dynamo-request-id (a UUID), SGLang `rid` in the body.
    const request = (id: string) => ({ body: JSON.stringify({ model, prompt: prompt(words, id), max_tokens: 4, rid: id }), headers: { 'content-type': 'application/json', 'x-request-id': id, 'x-dynamo-request-id': id } });
    await s.case('RequestServed', async (c) => {
      if (!endpoint) return c.notRun('control-failed', 'no endpoint to send the request to', 'pass --set disagg.endpoint=http://<your inference gateway>/v1/completions');
      const m = await resolveModel(s, endpoint, s.settings['disagg.model']);
      if (!('model' in m)) return c.notRun('control-failed', m.detail, 'pass --set disagg.model');
      model = m.model;
      started = Date.now();
      const r = await sendUntilServed(s, endpoint, { n: s.settings['disagg.requests'], until: started + timeoutMs, request, timeoutMs: () => 60_000 });
      served.push(...r.ids);
      if (r.refused) return c.notRun('control-failed', `the endpoint refused the request: ${r.refused}`, 'check disagg.endpoint and disagg.model, and that kaic may call the endpoint');
      if (!served.length && !r.answered) return c.notRun('control-failed', `kaic never reached ${endpoint}: ${r.last}`, 'check disagg.endpoint, and that the endpoint is reachable from where kaic runs');
      if (!served.length) return c.fail(`a completion request to ${endpoint} (model ${model}) succeeds within ${timeoutMs / 1000}s`, r.last);
      c.pass(`${served.length} request(s) for ${model} answered 200 (request ids ${served.join(', ')})`);
    });

    await s.case('PrefillAndDecodeShareRequest', async (c) => {
      if (!served.length) return c.notRun('control-failed', 'no request was served, so there is no request id to look for');
      // The pods as they are now: a decode pod added since discovery may have served.
      const pods = rolePods(await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: env.namespace })).filter((p) => p.ready);
      const read = async (ids: readonly string[], from: number, only?: RolePod) => {
        const out: { pod: string; role: Role; lines: string[]; cut: boolean }[] = [];
        for (const p of only ? [only] : pods) out.push({ pod: p.name, role: p.role, ...(await podLinesNaming(s, p, ids, from)) });
        return out;
      };
      let logs: Awaited<ReturnType<typeof read>> = [];
      let seen: Correlation = { kind: 'unseen' };
      await s.poll('the request ids in the prefill and decode pods\' logs', async () => {
        logs = await read(served, started);
        seen = correlate(logs, served);
        return seen.kind === 'split' ? seen : undefined;
      }, { intervalMs: 5_000, timeoutMs: Math.min(timeoutMs, 60_000) });
      for (const l of logs) if (l.lines.length) s.evidence(`${l.role}-${l.pod}.log`, l.lines.join('\n'));
      const result = seen as Correlation;
      if (result.kind === 'split') return c.pass(`request ${result.id} is in the logs of prefill ${result.prefill.join(', ')} and of decode ${result.decode.join(', ')}`);
      if (result.kind === 'unseen') return c.notRun('control-failed', `no pod's log names any of kaic's request ids (${served.join(', ')}) as served: the servers do not log requests, the gateway replaced the request id, the stack does not take it from X-Request-Id, x-dynamo-request-id or rid, or the logs say the requests were aborted`, 'turn on request logging (vLLM --enable-log-requests) and run again');
      const missing: Role = result.role === 'decode' ? 'prefill' : 'decode';
      const cut = logs.filter((l) => l.role === missing && l.cut).map((l) => l.pod);
      if (cut.length) return c.notRun('control-failed', `the ids are in ${result.role} pod(s) ${result.pods.join(', ')}; the logs of ${missing} pod(s) ${cut.join(', ')} reached kaic's read limit, so their absence there says nothing`);
      // The control: a request straight to one missing-role pod, with an id of its own, must show up in its log.
      const target = pods.find((p) => p.role === missing);
      const port = s.settings['disagg.port'] ?? target?.port;
      if (!target || !port) return c.notRun('control-failed', `the ids are only in ${result.role} pod(s) ${result.pods.join(', ')}; kaic cannot send a control request to a ${missing} pod (${target ? 'no port: pass --set disagg.port' : 'none Ready'})`);
      const control = randomUUID();
      const sent = Date.now();
      const a = await s.http({ kind: 'pod', name: target.name, namespace: target.namespace, port }, '/v1/completions', { method: 'POST', ...request(control), timeoutMs: 60_000, once: true, maxBytes: 64 * 1024 });
      const shown = a.status === 200 ? await s.poll(`the control request in ${target.name}'s log`, async () => ((await read([control], sent, target))[0]!.lines.length ? true : undefined), { intervalMs: 3_000, timeoutMs: 30_000 }) : undefined;
      if (!shown?.ok) return c.notRun('control-failed', `the ids are only in ${result.role} pod(s) ${result.pods.join(', ')}; a control request straight to ${missing} pod ${target.name} ${a.status === 200 ? 'was served but its id is not in its log' : `was not served (HTTP ${a.status})`}, so the ${missing} pods' logs cannot show an id`, `turn on request logging on the ${missing} pods`);
      c.fail('one request is served by a prefill pod and a different decode pod', `kaic's ${served.length} request(s) (${words}-word prompts no cache had seen) appear only in ${result.role} pod(s) ${result.pods.join(', ')}, while ${missing} pod ${target.name} logs the id of a request sent to it directly (${control})`);
    });
  },
});
