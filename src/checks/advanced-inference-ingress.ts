import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CheckScope, type KObject } from './api.js';
import { isServingPod, labelSelector } from './support/pods.js';
import { podLinesNaming, refusedRequest, resolveModel, sendUntilServed } from './support/serving.js';
import { judgeSplit, pct, requestsNeeded } from './support/split.js';
import { duration, integer, text } from './settings.js';

/**
 * advanced_inference_ingress: the Gateway API Inference Extension routes a request to a member of
 * an InferencePool that its endpoint picker chose, and an HTTPRoute's weights split traffic across
 * two pools. kaic sends requests with ids of its own to the Gateway of the route, finds each id in
 * the log of the pod that served it, and reads the picker's own request counter around them.
 */

/** The InferencePool API versions kaic reads: the GA group, and the alpha one. */
export const POOL_APIS = ['inference.networking.k8s.io/v1', 'inference.networking.x-k8s.io/v1alpha2'] as const;
/** The picker's request counters (v1 names it after InferenceObjective, earlier releases after InferenceModel). */
export const PICKER_COUNTERS = ['inference_objective_request_total', 'inference_model_request_total'];
/** A series every picker exposes: a body with it and no request counter yet has counted nothing. */
const PICKER_GAUGE = /^inference_pool_/m;

export interface Pool {
  readonly group: string;
  readonly namespace: string;
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly port?: number;
  /** The picker's reference; `kind` other than Service is reported, not proven. */
  readonly picker?: { readonly name: string; readonly kind: string; readonly port?: number };
  /** v1's failureMode: with FailOpen the gateway forwards without the picker when it does not answer. */
  readonly failOpen: boolean;
}
export const poolKey = (p: { group: string; namespace: string; name: string }) => `${p.group}/${p.namespace}/${p.name}`;

interface Ref { group?: string; kind?: string; name?: string; port?: { number?: number }; portNumber?: number; failureMode?: string }
interface PoolObj extends KObject {
  spec?: { selector?: { matchLabels?: Record<string, string> } & Record<string, unknown>; targetPorts?: { number?: number }[]; targetPortNumber?: number; endpointPickerRef?: Ref; extensionRef?: Ref };
}

/** An InferencePool of either version, in one shape. */
export function readPool(o: PoolObj): Pool {
  const spec = o.spec ?? {};
  const sel = spec.selector?.matchLabels ?? (Object.fromEntries(Object.entries(spec.selector ?? {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>);
  const ref = spec.endpointPickerRef ?? spec.extensionRef;
  const refPort = ref?.port?.number ?? ref?.portNumber;
  const port = spec.targetPorts?.[0]?.number ?? spec.targetPortNumber;
  return {
    group: o.apiVersion!.split('/')[0]!,
    namespace: o.metadata!.namespace!,
    name: o.metadata!.name!,
    selector: sel,
    ...(port ? { port } : {}),
    ...(ref?.name ? { picker: { name: ref.name, kind: ref.kind && !(ref.group ?? '') ? ref.kind : ref.group ? `${ref.kind ?? 'Service'}.${ref.group}` : 'Service', ...(refPort ? { port: refPort } : {}) } } : {}),
    failOpen: ref?.failureMode === 'FailOpen',
  };
}

const matches = (labels: Readonly<Record<string, string>> | undefined, sel: Readonly<Record<string, string>>) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels?.[k] === v);

interface RouteObj extends KObject {
  spec?: { hostnames?: string[]; parentRefs?: { name: string; namespace?: string; kind?: string }[]; rules?: { matches?: { headers?: unknown[]; queryParams?: unknown[]; method?: string }[]; backendRefs?: { group?: string; kind?: string; name: string; namespace?: string; weight?: number }[] }[] };
  status?: { parents?: { conditions?: { type: string; status: string }[] }[] };
}
export interface PoolRule {
  readonly route: string;
  readonly namespace: string;
  readonly accepted: boolean;
  readonly hostnames: readonly string[];
  /** The route's Gateways, as namespace/name. */
  readonly gateways: readonly string[];
  /** The rule matches on headers, query parameters or a method kaic's requests do not carry. */
  readonly conditional: boolean;
  readonly backends: readonly { readonly pool: string; readonly weight: number }[];
}

/** HTTPRoute rules whose backends are InferencePools: which pools each rule sends to (keyed group/ns/name), with weights. */
export function poolRules(routes: readonly RouteObj[]): PoolRule[] {
  return routes.flatMap((r) => (r.spec?.rules ?? []).flatMap((rule) => {
    const ns = r.metadata!.namespace!;
    const backends = (rule.backendRefs ?? []).filter((b) => b.kind === 'InferencePool' && /^inference\.networking\.(x-)?k8s\.io$/.test(b.group ?? '')).map((b) => ({ pool: `${b.group}/${b.namespace ?? ns}/${b.name}`, weight: b.weight ?? 1 }));
    const parents = r.status?.parents ?? [];
    const accepted = parents.some((p) => p.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True')) && parents.every((p) => !p.conditions?.some((c) => c.type === 'ResolvedRefs' && c.status === 'False'));
    const conditional = (rule.matches ?? []).length > 0 && (rule.matches ?? []).every((m) => (m.headers?.length ?? 0) > 0 || (m.queryParams?.length ?? 0) > 0 || (m.method !== undefined && m.method !== 'POST'));
    const gateways = (r.spec?.parentRefs ?? []).filter((p) => !p.kind || p.kind === 'Gateway').map((p) => `${p.namespace ?? ns}/${p.name}`);
    return backends.length ? [{ route: r.metadata!.name!, namespace: ns, accepted, hostnames: r.spec?.hostnames ?? [], gateways, conditional, backends }] : [];
  }));
}

/** The sum of the picker's request counter in a Prometheus text exposition: 0 for a picker that has counted nothing yet, undefined when the body is not a picker's. */
export function pickerCount(exposition: string): number | undefined {
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([0-9.eE+-]+)/.exec(line);
    if (m && PICKER_COUNTERS.includes(m[1]!)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum ?? (PICKER_GAUGE.test(exposition) ? 0 : undefined);
}

/** A URL without its credentials or query, for messages. */
export const shownUrl = (u: string) => {
  const url = new URL(u);
  return `${url.protocol}//${url.host}${url.pathname}`;
};

/** Whether a rule can be what `endpoint` reaches: its Gateway has the endpoint's host among its addresses, or the route names that hostname. */
export function ruleFits(rule: PoolRule, endpoint: string, gatewayAddresses: ReadonlyMap<string, readonly string[]>): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  const byAddress = rule.gateways.some((g) => gatewayAddresses.get(g)?.includes(host));
  const byName = rule.hostnames.some((h) => h === host || (h.startsWith('*.') && host.endsWith(h.slice(1))));
  return !rule.conditional && (byAddress || byName) && (rule.hostnames.length === 0 || byName || byAddress);
}

/** Weights that an implementation ignoring them could not imitate: at least 10 points from 50/50 and from all-to-one. */
export const distinguishable = (share: number) => Math.min(Math.abs(share - 0.5), share, 1 - share) >= 0.1 - 1e-9;

interface Member { readonly name: string; readonly namespace: string; readonly containers: readonly string[] }
interface Env {
  readonly pools: readonly Pool[];
  readonly rules: readonly PoolRule[];
  readonly apis: readonly string[];
  readonly gateways: ReadonlyMap<string, readonly string[]>;
}

const settings = {
  'gaie.endpoint': text({ description: 'the OpenAI-style completions URL of the Gateway whose HTTPRoute sends to an InferencePool (its host must be an address of that Gateway, or a hostname of the route)', default: undefined, pattern: /^https?:\/\/\S+$/, example: 'http://10.0.0.5/v1/completions' }),
  'gaie.model': text({ description: 'the model to ask for (default: the first the endpoint lists at /v1/models)', default: undefined }),
  'gaie.pool': text({ description: 'the InferencePool to prove, as namespace/name (default: the first an accepted HTTPRoute of the endpoint sends to)', default: undefined, pattern: /^[a-z0-9-]+\/[a-z0-9.-]+$/, example: 'llm/vllm-llama3' }),
  'gaie.requests': integer({ description: 'requests sent to prove that members serve what the picker chose', default: '5', min: 1, max: 50 }),
  'gaie.timeout': duration({ description: 'how long the endpoint may take to serve each set of requests, and the logs to show the ids', default: '3m', min: '10s', max: '6m' }),
};

export default defineCheck({
  id: 'advanced_inference_ingress',
  testName: 'TestAdvancedInferenceIngress',
  summary: 'detects the Gateway API Inference Extension (InferencePool at inference.networking.k8s.io/v1 and x-k8s.io/v1alpha2, its endpoint picker, HTTPRoutes sending to pools); requests with ids of kaic\'s own to the Gateway of the route are each served by a Ready member of the pool (found in that member\'s log), while the picker\'s request counter, quiet before, rises by at least as many; a route rule of that Gateway weighting two pools splits requests as weighted (a 99.9% binomial interval that excludes an even split and all-to-one)',
  needs: 'InferencePools with Ready members and a picker whose metrics kaic can read through the API server (its metrics auth off, as the pod proxy carries no token), an accepted HTTPRoute sending to them, that Gateway\'s completions URL (`--set gaie.endpoint`), and request logging on the model servers; for the split, a rule with two pools weighted at least 60/40',
  cannotProve: 'which scoring the picker used (prefix cache, queue length, LoRA affinity), or the Inference Extension\'s own conformance suite (not run by kaic)',
  cases: ['PoolsServed', 'PickerChoosesMember', 'WeightedAcrossPools'],
  uses: [
    { group: 'inference.networking.k8s.io', resources: ['inferencepools'], verbs: ['get', 'list'] },
    { group: 'inference.networking.x-k8s.io', resources: ['inferencepools'], verbs: ['get', 'list'] },
    { group: 'gateway.networking.k8s.io', resources: ['httproutes', 'gateways'], verbs: ['get', 'list'] },
    { group: '', resources: ['pods', 'services'], verbs: ['get', 'list'] },
    { group: '', resources: ['pods/log'], verbs: ['get'] },
    { group: '', resources: ['pods/proxy'], verbs: ['get'] },
  ],
  settings,
  images: [],
  timeoutMs: 20 * 60_000,

  async discover({ cluster, list }) {
    const apis = POOL_APIS.filter((v) => cluster.serves(v, 'inferencepools'));
    if (!apis.length) return { ready: false, reason: 'missing-component', detail: 'the Gateway API Inference Extension is not installed (no InferencePool API)', remedy: 'install the Inference Extension\'s CRDs, an implementation and an endpoint picker; a platform that offers none answers N/A in PRODUCT.yaml', found: { inferencePool: 'not served' } };
    const pools: Pool[] = [];
    for (const api of apis) pools.push(...(await list<PoolObj>({ apiVersion: api, kind: 'InferencePool' })).map(readPool));
    const gw = 'gateway.networking.k8s.io/v1';
    const routes = cluster.serves(gw, 'httproutes') ? await list<RouteObj>({ apiVersion: gw, kind: 'HTTPRoute' }) : [];
    const gatewayObjs = cluster.serves(gw, 'gateways') ? await list<KObject & { status?: { addresses?: { value: string }[] } }>({ apiVersion: gw, kind: 'Gateway' }) : [];
    const gateways = new Map(gatewayObjs.map((g) => [`${g.metadata!.namespace}/${g.metadata!.name}`, (g.status?.addresses ?? []).map((a) => a.value)]));
    const rules = poolRules(routes);
    const found = {
      apis: apis.join(', '),
      pools: pools.length ? pools.map((p) => `${p.namespace}/${p.name} (${p.group}; picker ${p.picker ? `${p.picker.kind} ${p.picker.name}` : 'none'}${p.failOpen ? ', fails open' : ''})`).join('; ') : 'none',
      routes: rules.length ? rules.map((r) => `${r.namespace}/${r.route} → ${r.backends.map((b) => `${b.pool}×${b.weight}`).join(' + ')}${r.accepted ? '' : ' (not accepted)'}`).join('; ') : 'none',
    };
    if (!pools.length) return { ready: false, reason: 'missing-component', detail: `the InferencePool API (${apis.join(', ')}) is served, but no InferencePool exists`, remedy: 'deploy a model behind an InferencePool and its endpoint picker', found };
    return { ready: true, env: { pools, rules, apis, gateways }, found, nodes: [] };
  },

  async prove(env: Env, s) {
    const deadline = Date.now() + 18 * 60_000;
    const left = (ms: number) => Math.max(0, Math.min(ms, deadline - Date.now()));
    const endpoint = s.settings['gaie.endpoint'];
    const shown = endpoint ? shownUrl(endpoint) : '';
    const timeoutMs = s.settings['gaie.timeout'];
    const fitting = endpoint ? env.rules.filter((r) => r.accepted && ruleFits(r, endpoint, env.gateways)) : [];
    const wanted = s.settings['gaie.pool'];
    const routed = new Set(fitting.flatMap((r) => r.backends.map((b) => b.pool)));
    const pool = env.pools.find((p) => (wanted ? `${p.namespace}/${p.name}` === wanted : true) && routed.has(poolKey(p)));
    /** Ready members, listed now (pods come and go). */
    const membersOf = async (p: Pool): Promise<Member[]> => (await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: p.namespace, labelSelector: labelSelector(p.selector) }))
      .filter((x) => isServingPod(x) && matches(x.metadata?.labels, p.selector))
      .map((x) => ({ name: x.metadata!.name!, namespace: p.namespace, containers: (x.spec?.containers ?? []).map((c) => c.name) }));
    let members: Member[] = [];

    await s.case('PoolsServed', async (c) => {
      if (!endpoint) return c.notRun('control-failed', 'no endpoint: kaic proves the pool an HTTPRoute of the Gateway you name sends to', 'pass --set gaie.endpoint=http://<the Gateway>/v1/completions');
      if (!pool) return c.notRun('control-failed', `no InferencePool${wanted ? ` ${wanted}` : ''} is the backend of an accepted HTTPRoute rule of the Gateway at ${shown} (the endpoint's host is none of its addresses, nor a hostname of the route; rules matching only on headers are left out). Routes: ${env.rules.length ? env.rules.map((r) => `${r.namespace}/${r.route} on ${r.gateways.join(', ')}${r.accepted ? '' : ' (not accepted)'}`).join('; ') : 'none'}`, 'pass the endpoint of the Gateway that routes to the pool, or --set gaie.pool');
      if (!pool.picker) return c.fail(`InferencePool ${pool.namespace}/${pool.name} names its endpoint picker`, 'no endpointPickerRef or extensionRef');
      if (pool.picker.kind !== 'Service') return c.notRun('control-failed', `the picker of ${pool.namespace}/${pool.name} is a ${pool.picker.kind} (${pool.picker.name}), which kaic does not know how to read`);
      const svc = await s.get<KObject>({ apiVersion: 'v1', kind: 'Service', namespace: pool.namespace, name: pool.picker.name });
      if (!svc) return c.fail(`the endpoint picker Service ${pool.namespace}/${pool.picker.name} exists`, 'it does not');
      members = await membersOf(pool);
      if (!members.length) return c.notRun('control-failed', `InferencePool ${pool.namespace}/${pool.name} has no Ready member`, 'run when its model servers are Ready');
      c.pass(`InferencePool ${pool.namespace}/${pool.name} (${pool.group}): ${members.length} Ready member(s) (${members.map((m) => m.name).join(', ')}), picker Service ${pool.picker.name}, the backend of an accepted HTTPRoute of the Gateway at ${shown}`);
    });

    let model = s.settings['gaie.model'];
    const request = (id: string) => ({ headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify({ model, prompt: `${id} kaic asks which pool member serves this`, max_tokens: 1 }) });
    /** Sends until `n` requests are served, each with a new id; what refused them, if anything. */
    const serve = (n: number, budgetMs: number) => sendUntilServed(s, endpoint!, {
      n,
      until: Date.now() + left(budgetMs),
      request,
      timeoutMs: () => left(60_000) || 1,
      // Not the platform failing: a refusal of kaic's request (a wrong model, credentials) or a redirect (a wrong scheme or path).
      refuses: (status) => refusedRequest(status) || (status > 0 && status < 200) || (status >= 300 && status < 400),
      maxFailures: n + 20,
    });
    /** Where each id was served: the member pods whose logs name it. */
    const attribute = async (ids: readonly string[], from: number, pods: readonly Member[]) => {
      const where = new Map<string, string[]>();
      let cut = false;
      for (const m of pods) {
        const r = await podLinesNaming(s, m, ids, from);
        cut ||= r.cut;
        for (const id of ids) if (r.lines.some((l) => l.includes(id))) where.set(id, [...(where.get(id) ?? []), m.name]);
      }
      return { where, cut };
    };

    await s.case('PickerChoosesMember', async (c) => {
      if (!pool || !members.length) return c.notRun('control-failed', 'no routed InferencePool with Ready members (see PoolsServed)');
      const m = await resolveModel(s, endpoint!, model);
      if (!('model' in m)) return c.notRun('control-failed', m.detail, 'pass --set gaie.model');
      model = m.model;
      // The control: the picker's counter holds still while kaic sends nothing (no other traffic to mistake for kaic's).
      const quiet0 = await readPicker(s, pool);
      await new Promise((r) => setTimeout(r, 10_000));
      const before = await readPicker(s, pool);
      if (quiet0 === undefined || before === undefined) return c.notRun('control-failed', `kaic cannot read the picker's request counter (${PICKER_COUNTERS.join(' or ')}) from its Ready pods' metrics through the API server; without it a member answering does not show the picker chose it`, 'let the picker serve its metrics without authentication (the API server\'s pod proxy carries no token), e.g. --metrics-endpoint-auth=false');
      if (before.total !== quiet0.total || before.pods !== quiet0.pods) return c.notRun('control-failed', `the picker counted ${before.total - quiet0.total} request(s) in 10 s while kaic sent none: other traffic would be mistaken for kaic's`, 'run when the pool is idle');
      const started = Date.now();
      const r = await serve(s.settings['gaie.requests'], timeoutMs);
      if (r.refused) return c.notRun('control-failed', `the endpoint did not serve kaic's request: ${r.refused}`, 'check gaie.endpoint (scheme, path) and gaie.model, and that kaic may call it');
      if (!r.ids.length) return r.answered ? c.fail(`a completion request to ${shown} succeeds within ${timeoutMs / 1000}s`, r.last) : c.notRun('control-failed', `kaic never reached ${shown}: ${r.last}`, 'check gaie.endpoint');
      const served = r.ids;
      const ms = await membersOf(pool);
      let found = await attribute(served, started, ms);
      const all = await s.poll('the request ids in the members\' logs', async () => {
        found = await attribute(served, started, ms);
        return served.every((id) => found.where.has(id)) ? true : undefined;
      }, { intervalMs: 5_000, timeoutMs: left(60_000) });
      const after = await readPicker(s, pool);
      const counted = after && after.pods === before.pods ? after.total - before.total : undefined;
      s.evidence('served-by.json', JSON.stringify({ pool: `${pool.namespace}/${pool.name}`, served: Object.fromEntries(served.map((id) => [id, found.where.get(id) ?? []])), pickerCounter: { before: before.total, after: after?.total, pickers: before.pods } }, null, 2));
      if (!all.ok) {
        const missing = served.filter((id) => !found.where.has(id));
        return c.notRun('control-failed', `${missing.length} of ${served.length} served request id(s) are in no member's log (${missing.join(', ')})${found.cut ? '; a member\'s log reached kaic\'s read limit' : ''}: the members do not log request ids, or something outside the pool served them`, 'turn on request logging on the model servers (vLLM --enable-log-requests)');
      }
      if (counted === undefined) return c.notRun('control-failed', 'the picker\'s pods changed (a restart or a rollout) while kaic sent its requests, so its counter cannot be compared');
      if (counted < served.length) return c.fail(`the endpoint picker handles each of the ${served.length} requests served by ${pool.namespace}/${pool.name}'s members`, `its request counter rose by ${counted}${pool.failOpen ? ' (the pool fails open: the gateway forwarded without it)' : ''}`);
      c.pass(`${served.length} request(s) each served by a Ready member of ${pool.namespace}/${pool.name} (${[...new Set(served.flatMap((id) => found.where.get(id)!))].join(', ')}); the picker counted ${counted} request(s) meanwhile, none in the 10 s before`);
    });

    await s.case('WeightedAcrossPools', async (c) => {
      if (!endpoint || !model) return c.notRun('control-failed', 'no endpoint or model (see PoolsServed and PickerChoosesMember)');
      const byKey = new Map(env.pools.map((p) => [poolKey(p), p]));
      const rule = fitting.find((r) => r.backends.length === 2 && r.backends.every((b) => byKey.has(b.pool)) && distinguishable(r.backends[0]!.weight / (r.backends[0]!.weight + r.backends[1]!.weight)));
      if (!rule) return c.notRun('control-failed', `no accepted HTTPRoute rule of the Gateway at ${shown} sends to two InferencePools weighted at least 60/40 (and short of all-to-one), without header matches`, 'add a rule with two weighted InferencePool backendRefs (e.g. 80/20, a canary of a model server) to prove the split');
      const [a, b] = rule.backends as [{ pool: string; weight: number }, { pool: string; weight: number }];
      const [pa, pb] = [byKey.get(a.pool)!, byKey.get(b.pool)!];
      const [ma, mb] = [await membersOf(pa), await membersOf(pb)];
      const inA = new Set(ma.map((m) => m.name));
      if (!ma.length || !mb.length || mb.some((m) => inA.has(m.name))) return c.notRun('control-failed', `the two pools need Ready members of their own (${a.pool}: ${ma.length}, ${b.pool}: ${mb.length}${mb.some((m) => inA.has(m.name)) ? ', some in both' : ''})`);
      const expected = a.weight / (a.weight + b.weight);
      const lost = [{ share: 0.5, name: 'an even split (weights ignored)' }, { share: 1, name: `every request to ${a.pool}` }, { share: 0, name: `every request to ${b.pool}` }];
      const n = requestsNeeded(expected, lost.map((x) => x.share));
      const started = Date.now();
      const r = await serve(n, timeoutMs);
      if (r.refused) return c.notRun('control-failed', `the endpoint did not serve kaic's request: ${r.refused}`);
      if (r.ids.length < n) return c.notRun('control-failed', `only ${r.ids.length} of ${n} requests were served in time (${r.last}); the split needs all of them`, 'run again, or raise gaie.timeout');
      let found = await attribute(r.ids, started, [...ma, ...mb]);
      await s.poll('every request id in a member\'s log', async () => {
        found = await attribute(r.ids, started, [...ma, ...mb]);
        return r.ids.every((id) => found.where.has(id)) ? true : undefined;
      }, { intervalMs: 5_000, timeoutMs: left(60_000) });
      const toA = r.ids.filter((id) => found.where.get(id)?.some((p) => inA.has(p))).length;
      const seen = r.ids.filter((id) => found.where.has(id)).length;
      s.evidence('split.json', JSON.stringify({ route: `${rule.namespace}/${rule.route}`, backends: rule.backends, requests: n, seen, toFirst: toA }, null, 2));
      if (seen < n) return c.notRun('control-failed', `${n - seen} of ${n} request ids are in no member's log${found.cut ? ' (a log reached kaic\'s read limit)' : ''}: the split cannot be counted`, 'turn on request logging on the model servers');
      const j = judgeSplit(toA, n, expected, lost);
      const said = `${toA} of ${n} to ${a.pool} (${pct(j.share)}; 99.9% interval ${pct(j.interval.low)}–${pct(j.interval.high)}), route ${rule.namespace}/${rule.route} weighting ${a.weight}:${b.weight}`;
      if (j.verdict === 'disagrees') return c.fail(`requests split ${pct(expected)} to ${a.pool}`, `${said}${j.lookslike ? `, like ${j.lookslike}` : ''}`);
      if (j.verdict === 'inconclusive') return c.notRun('control-failed', `${said}: not told apart from a lost weighting`, 'run again');
      c.pass(said);
    });
  },
});

/**
 * The picker's request counter, summed over its Ready pods' metrics (read through the API server),
 * with the pods it came from (uid and restarts, so a restart between two reads shows); undefined
 * when any pod's cannot be read.
 */
async function readPicker(s: CheckScope, pool: Pool): Promise<{ total: number; pods: string } | undefined> {
  if (!pool.picker || pool.picker.kind !== 'Service') return undefined;
  const svc = await s.get<KObject & { spec?: { selector?: Record<string, string> } }>({ apiVersion: 'v1', kind: 'Service', namespace: pool.namespace, name: pool.picker.name });
  const sel = svc?.spec?.selector;
  if (!sel || !Object.keys(sel).length) return undefined;
  const pods = (await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: pool.namespace, labelSelector: labelSelector(sel) })).filter(isServingPod);
  if (!pods.length) return undefined;
  let total = 0;
  for (const p of pods) {
    const port = p.spec?.containers?.flatMap((c) => c.ports ?? []).find((x) => x.name === 'metrics')?.containerPort ?? 9090;
    const a = await s.http({ kind: 'pod', name: p.metadata!.name!, namespace: pool.namespace, port }, '/metrics', { timeoutMs: 40_000, once: true, maxBytes: 8 * 2 ** 20 });
    const n = a.status === 200 && !a.truncated ? pickerCount(a.body) : undefined;
    if (n === undefined) return undefined;
    total += n;
  }
  const key = pods.map((p) => `${p.metadata!.uid}:${(p.status?.containerStatuses ?? []).reduce((x, c) => x + c.restartCount, 0)}`).sort().join(',');
  return { total, pods: key };
}
