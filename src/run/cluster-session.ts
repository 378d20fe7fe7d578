import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseAllDocuments } from 'yaml';
import { ApiError, failedWebhook, Interrupted, rawHttp, rawList, rawRequest, TransportError } from '../cluster/api.js';
import { collectionPath, objectPath, splitApiVersion, type ResourceType } from '../cluster/resources.js';
import { cleanupLabelled, refText, removeAll, runLabels, type ObjectRef } from '../cluster/scope.js';
import { isSimulatedNode, type ClusterView } from '../cluster/view.js';
import { waitFor as clusterWaitFor } from '../cluster/wait.js';
import { ClusterNotReady, IMAGE_PULL_FAILURES, ImageUnavailable, NotServed, type Check, type ClusterFacts, type DirectAnswer, type KObject, type ObjRef, type PrometheusClient, type Query, type TypeRef, type WaitOutcome } from '../checks/api.js';
import type { CreatedObject } from '../results/index.js';
import type { Backend, CheckSession, ScopeOps } from './engine.js';
import { restrictedPod } from '../checks/support/pods.js';

export interface SessionConfig {
  readonly kc: KubeConfig;
  readonly view: ClusterView;
  readonly runId: string;
  readonly checks: readonly Check[];
  /** `--prometheus ns/svc:port` or an http(s) URL. */
  readonly prometheus?: string;
  /** `--fixture NAME=FILE` */
  readonly fixtures?: Readonly<Record<string, string>>;
  readonly images: Readonly<Record<string, string>>;
}


export function facts(view: ClusterView): ClusterFacts {
  const simulated = new Set(view.nodes.filter(isSimulatedNode).map((n) => n.metadata!.name!));
  return {
    version: view.version,
    nodes: view.nodes,
    serves: (gv, plural) => view.resources.serves(gv, plural),
    verbs: (gv, plural) => view.resources.get(gv, plural)?.verbs ?? [],
    servedVersions: (group) => view.resources.versionsOf(group),
    unavailable: view.unavailable,
    isSimulated: (node) => simulated.has(node),
    allSimulated: view.simulated,
  };
}

/** What a pod is doing, in a few words: phase, node, why it waits. */
export function describePodState(p: V1Pod): string {
  const sched = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const waiting = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((c) => c.state?.waiting).filter((w) => w?.reason);
  return [
    `${p.metadata?.name}: ${p.status?.phase ?? 'no status'}`,
    p.spec?.nodeName ? `on ${p.spec.nodeName}` : 'not bound',
    sched && sched.status !== 'True' ? `PodScheduled=${sched.status} ${sched.reason ?? ''}${sched.message ? `: ${sched.message}` : ''}` : '',
    ...waiting.map((w) => `waiting ${w!.reason}${w!.message ? `: ${w!.message.slice(0, 200)}` : ''}`),
  ].filter(Boolean).join(', ');
}

/** Waits `ms`, or rejects when the run is interrupted; its abort listener goes when it resolves (polls sleep often). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new Interrupted());
    const onAbort = () => (clearTimeout(t), reject(new Interrupted()));
    const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Kinds a run may leave behind: namespaces plus every kind a check declares it creates. */
export function sweptTypes(view: ClusterView, checks: readonly Check[]): ResourceType[] {
  const out = new Map<string, ResourceType>();
  const ns = view.resources.get('v1', 'namespaces');
  if (ns) out.set('v1/namespaces', ns);
  const pc = view.resources.get('scheduling.k8s.io/v1', 'priorityclasses');
  if (pc) out.set('scheduling.k8s.io/priorityclasses', pc);
  for (const c of checks)
    for (const u of c.uses)
      if (u.verbs.includes('create'))
        for (const plural of u.resources) {
          for (const gv of view.resources.groupVersions().filter((g) => splitApiVersion(g).group === u.group)) {
            const t = view.resources.get(gv, plural);
            if (t && !out.has(`${u.group}/${plural}`)) out.set(`${u.group}/${plural}`, t);
          }
        }
  return [...out.values()];
}

/** The real backend: the cluster behind a kubeconfig, discovered once. */
export function clusterBackend(cfg: SessionConfig): Backend {
  const { kc, view } = cfg;
  const typeOf = (t: TypeRef): ResourceType => {
    const r = view.resources.byKind(t.apiVersion, t.kind);
    if (!r) throw new NotServed(`${t.kind} (${t.apiVersion}) is not served by this cluster`);
    return r;
  };
  return {
    facts: facts(view),
    list: <T>(t: TypeRef) => view.list<T>(typeOf(t)),
    scan: <T, R>(t: TypeRef & { readonly namespace?: string }, pick: (item: T) => R | undefined, signal: AbortSignal) => view.scan<T, R>(typeOf(t), pick, { ...(t.namespace ? { namespace: t.namespace } : {}), signal }),
    async open(check, signal) {
      return openSession(cfg, check, signal, typeOf);
    },
    async leakCheck() {
      const r = await cleanupLabelled(kc, sweptTypes(view, cfg.checks), cfg.runId, 90_000);
      return [...r.left.map(refText), ...r.errors];
    },
  };
}

async function openSession(cfg: SessionConfig, check: Check, signal: AbortSignal, typeOf: (t: TypeRef) => ResourceType): Promise<CheckSession> {
  const { kc, runId } = cfg;
  const labels = runLabels(runId, check.id);
  const created: (CreatedObject & { ref: ObjectRef })[] = [];
  /** Everything ever created, kept for the procedure after sweeping. */
  const history: CreatedObject[] = [];
  let currentCase: string | undefined;
  const req = { signal };

  const withPriority = (spec: unknown) => (priorityClass && spec && !(spec as { priorityClassName?: string }).priorityClassName ? { ...(spec as object), priorityClassName: priorityClass } : spec);
  // A controller's pod templates get the run's labels and PriorityClass too: their pods are kaic's.
  // They may be nested (a JobSet's replicated Jobs, a Trainer runtime's JobSet): a template whose spec
  // has containers is a pod template; any other template, and replicated jobs, are looked into.
  type Template = { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };
  const withRunTemplate = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(withRunTemplate);
    if (!node || typeof node !== 'object') return node;
    const o = node as Record<string, unknown> & { template?: Template; replicatedJobs?: unknown };
    const out: Record<string, unknown> = { ...o };
    const t = o.template;
    if (t && typeof t === 'object' && t.spec) {
      out.template = Array.isArray(t.spec.containers)
        ? { ...t, metadata: { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), ...labels } }, spec: withPriority(t.spec) }
        : { ...t, spec: withRunTemplate(t.spec) };
    }
    if (Array.isArray(o.replicatedJobs)) out.replicatedJobs = withRunTemplate(o.replicatedJobs);
    return out;
  };
  const apply = async <T extends KObject>(obj: T): Promise<T> => {
    const type = typeOf({ apiVersion: String(obj.apiVersion), kind: String(obj.kind) });
    const meta = { ...(obj.metadata ?? {}) };
    meta.labels = { ...(meta.labels ?? {}), ...labels };
    if (type.namespaced) meta.namespace ??= namespace;
    else delete meta.namespace;
    // kaic's pods never preempt anyone's: they run under the run's PriorityClass (preemptionPolicy Never).
    const spec = obj.kind === 'Pod' ? withPriority(obj.spec) : withRunTemplate(obj.spec);
    const body = { ...obj, ...(spec ? { spec } : {}), metadata: meta };
    const record = (name: string): CreatedObject => ({ apiVersion: String(obj.apiVersion), kind: String(obj.kind), name, ...(type.namespaced ? { namespace: meta.namespace } : {}), manifest: body as Record<string, unknown>, ...(currentCase ? { case: currentCase } : {}) });
    // Tracked before the request: a create whose answer is lost is still swept.
    const early = meta.name ? { ...record(meta.name), ref: { type, name: meta.name, namespace: type.namespaced ? meta.namespace : undefined } } : undefined;
    if (early) created.push(early);
    let out: T;
    try {
      out = (await rawRequest(kc, 'POST', collectionPath(type, meta.namespace), body, req)) as T;
    } catch (e) {
      // A create retried after a lost answer may have gone through the first time: adopt it if it is ours.
      if (!(e instanceof ApiError && e.status === 409 && meta.name)) {
        if (early && e instanceof ApiError) created.splice(created.indexOf(early), 1); // refused: nothing to sweep
        throw e;
      }
      const existing = (await rawRequest(kc, 'GET', objectPath(type, meta.name, meta.namespace), undefined, req)) as T;
      if (existing.metadata?.labels?.['kaic.dev/run'] !== runId) {
        created.splice(created.indexOf(early!), 1);
        throw e;
      }
      out = existing;
    }
    const rec = record(out.metadata!.name!);
    if (!early) created.push({ ...rec, ref: { type, name: rec.name, namespace: type.namespaced ? meta.namespace : undefined } });
    history.push(rec);
    return out;
  };

  const priorityClass = await runPriorityClass(cfg, typeOf, signal);
  const ns = await (async () => {
    const name = `kaic-${runId}-${check.id.replace(/_/g, '-')}`.slice(0, 63).replace(/-+$/, '');
    // Run namespaces enforce the restricted Pod Security Standard: every probe kaic runs must meet it.
    const type = typeOf({ apiVersion: 'v1', kind: 'Namespace' });
    const body = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    try {
      await rawRequest(kc, 'POST', collectionPath(type), body, req);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
    }
    created.push({ apiVersion: 'v1', kind: 'Namespace', name, manifest: body, ref: { type, name } });
    history.push({ apiVersion: 'v1', kind: 'Namespace', name, manifest: body });
    return name;
  })();
  const namespace = ns;
  // Pods are refused until the namespace's default ServiceAccount exists (the controller manager
  // creates it): wait for it, so a missing one is said as what it is.
  const sa = await clusterWaitFor(kc, { path: `/api/v1/namespaces/${namespace}/serviceaccounts`, fieldSelector: 'metadata.name=default' }, `the default ServiceAccount of ${namespace}`, (m) => (m.size ? true : undefined), { timeoutMs: 60_000, signal });
  if (!sa.ok) throw new ClusterNotReady(`namespace ${namespace} got no default ServiceAccount within 60s: is kube-controller-manager running? (${sa.message})`);

  const path = (q: Query) => collectionPath(typeOf(q), q.namespace ?? (typeOf(q).namespaced ? namespace : undefined));
  const target = (q: Query) => ({ path: path(q), ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}), ...(q.fieldSelector ? { fieldSelector: q.fieldSelector } : {}) });
  const podsQuery: Query = { apiVersion: 'v1', kind: 'Pod', namespace };

  const waitForPods: ScopeOps['waitForPods'] = async (names, state, timeoutMs) => {
    const ok = (p: V1Pod | undefined) => !!p && (state === 'Scheduled' ? !!p.spec?.nodeName : state === 'Running' ? p.status?.phase === 'Running' : p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    const out = await clusterWaitFor(kc, target(podsQuery), `${names.join(', ')} to be ${state.toLowerCase()}`, (m) => {
      const pods = names.map((n) => m.get(`${namespace}/${n}`) as V1Pod | undefined);
      for (const p of pods) {
        for (const c of [...(p?.status?.initContainerStatuses ?? []), ...(p?.status?.containerStatuses ?? [])]) {
          const w = c.state?.waiting;
          if (w?.reason && IMAGE_PULL_FAILURES.has(w.reason)) throw new ImageUnavailable(p!.metadata!.name!, c.image, w.reason);
        }
      }
      return pods.every(ok) ? new Map(pods.map((p) => [p!.metadata!.name!, p!])) : undefined;
    }, { timeoutMs, signal, describe: (m) => names.map((n) => (m.get(`${namespace}/${n}`) ? describePodState(m.get(`${namespace}/${n}`) as V1Pod) : `${n}: not found`)).join('; ') });
    return out;
  };

  const prometheus = promClient(cfg, signal);

  const ops: ScopeOps = {
    apply,
    async remove(ref, opts) {
      const r: ObjectRef = { type: typeOf(ref), name: ref.name, namespace: typeOf(ref).namespaced ? ref.namespace ?? namespace : undefined };
      const left = opts?.wait ? await removeAll(kc, [r], 60_000) : await removeAll(kc, [r], 0).then((x) => x.filter((l) => !/still present/.test(l)));
      if (left.length) throw new Error(`could not remove ${left.join('; ')}`);
    },
    async dryRun(obj) {
      const type = typeOf({ apiVersion: String(obj.apiVersion), kind: String(obj.kind) });
      const meta = { ...(obj.metadata ?? {}), labels: { ...(obj.metadata?.labels ?? {}), ...labels } };
      if (type.namespaced) meta.namespace ??= namespace;
      try {
        await rawRequest(kc, 'POST', collectionPath(type, meta.namespace), { ...obj, metadata: meta }, { ...req, query: { dryRun: 'All' }, retryForMs: 30_000 });
        return { allowed: true };
      } catch (e) {
        // RBAC refusing kaic itself is not the object's verdict.
        if (e instanceof ApiError && e.status >= 400 && e.status < 500 && !(e.status === 403 && /cannot create resource/.test(e.reason))) return { allowed: false, status: e.status, message: e.reason };
        // A webhook that does not answer is an answer about that webhook, for the check to judge.
        const webhook = failedWebhook(e);
        if (webhook) return { allowed: false, status: 500, message: (e as ApiError).reason, unreachable: webhook };
        throw e;
      }
    },
    async get<T>(ref: ObjRef) {
      const type = typeOf(ref);
      try {
        return (await rawRequest(kc, 'GET', objectPath(type, ref.name, type.namespaced ? ref.namespace ?? namespace : undefined), undefined, req)) as T;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return undefined;
        throw e;
      }
    },
    async list<T>(q: Query) {
      const query: Record<string, string> = {};
      if (q.labelSelector) query.labelSelector = q.labelSelector;
      if (q.fieldSelector) query.fieldSelector = q.fieldSelector;
      if (q.cached) query.resourceVersion = '0';
      return (await rawList<T>(kc, path(q), query, req)).items;
    },
    async logs(pod, container, opts = {}) {
      const q = new URLSearchParams({ limitBytes: String(opts.limitBytes ?? 8 * 2 ** 20) });
      if (container) q.set('container', container);
      if (opts.sinceSeconds) q.set('sinceSeconds', String(Math.max(1, Math.ceil(opts.sinceSeconds))));
      const text = await rawRequest(kc, 'GET', `/api/v1/namespaces/${opts.namespace ?? namespace}/pods/${encodeURIComponent(pod)}/log?${q}`, undefined, { ...req, timeoutMs: 20_000 });
      // An empty log is an empty body, which the request reads as no answer at all.
      return text === undefined ? '' : typeof text === 'string' ? text : JSON.stringify(text);
    },
    waitFor: (q, what, done, opts) => clusterWaitFor(kc, target(q), what, done as never, { timeoutMs: opts.timeoutMs, signal, describe: opts.describe as never }),
    async holdsFor(q, what, violation, windowMs) {
      const r = await clusterWaitFor(kc, target(q), what, violation as never, { timeoutMs: windowMs, signal, confirmAtDeadline: true });
      return r.ok ? { held: false, violation: r.value as string, at: r.at } : { held: true };
    },
    async waitForCondition(ref, type, opts) {
      const want = opts.status ?? 'True';
      const q: Query = { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` };
      return clusterWaitFor(kc, target(q), `${ref.kind} ${ref.name} to be ${type}=${want}`, (m) => {
        const o = [...m.values()][0] as KObject | undefined;
        const conds = (o?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
        return conds.some((c) => c.type === type && c.status === want) ? o : undefined;
      }, { timeoutMs: opts.timeoutMs, signal, describe: (m) => JSON.stringify(((([...m.values()][0] as KObject | undefined)?.status as { conditions?: unknown }) ?? {}).conditions ?? 'no conditions') });
    },
    waitForPods,
    async poll(what, fn, opts) {
      const until = Date.now() + opts.timeoutMs;
      for (;;) {
        const v = await fn();
        if (v !== undefined) return { ok: true, value: v, at: Date.now() };
        if (Date.now() + opts.intervalMs > until) {
          const lastSeen = opts.describe?.() ?? 'nothing';
          return { ok: false, lastSeen, message: `timed out after ${(opts.timeoutMs / 1000).toFixed(0)}s waiting for ${what}; last seen: ${lastSeen}` };
        }
        await sleep(opts.intervalMs, signal);
      }
    },
    async http(svc, p, opts) {
      const scheme = svc.scheme ? `${svc.scheme}:` : '';
      const rest = `${scheme}${svc.name}:${svc.port}/proxy${p.startsWith('/') ? p : `/${p}`}`;
      const url = svc.kind === 'node' ? `/api/v1/nodes/${rest}` : `/api/v1/namespaces/${svc.namespace ?? namespace}/${svc.kind === 'pod' ? 'pods' : 'services'}/${rest}`;
      return rawHttp(kc, opts?.method ?? 'GET', url, opts?.body, { signal, timeoutMs: opts?.timeoutMs ?? 15_000, retryForMs: opts?.once ? 0 : 10_000, ...(opts?.maxBytes ? { maxBytes: opts.maxBytes } : {}), ...(opts?.headers ? { headers: opts.headers } : {}) });
    },
    request: (url, opts) => directRequest(url, signal, opts),
    async clientPod(name, command, opts) {
      const image = cfg.images[opts?.image ?? 'probe']!;
      await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: restrictedPod({ containers: [{ name: 'client', image, command: [...command] }], ...(opts?.node ? { nodeName: opts.node } : {}), ...(opts?.tolerations?.length ? { tolerations: opts.tolerations.map((t) => ({ ...t })) } : {}) }) } as KObject);
      const r = await waitForPods([name], 'Finished', opts?.timeoutMs ?? 120_000);
      if (!r.ok) return r;
      const pod = r.value.get(name)!;
      const exitCode = pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode ?? -1;
      return { ok: true, at: r.at, value: { exitCode, log: await ops.logs(name, 'client'), node: pod.spec?.nodeName ?? '' } } as WaitOutcome<{ exitCode: number; log: string; node: string }>;
    },
    ...(prometheus ? { prometheus } : {}),
    async fixture(name, vars) {
      const file = cfg.fixtures?.[name];
      if (!file) return undefined;
      const text = readFileSync(file, 'utf8').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => (k === 'namespace' ? namespace : vars[k] ?? ''));
      const out: KObject[] = [];
      for (const doc of parseAllDocuments(text)) {
        const o = doc.toJS() as KObject | null;
        if (o) out.push(await apply(o));
      }
      return out;
    },
  };

  return {
    namespace,
    ops,
    setCase: (n) => (currentCase = n),
    mark: () => created.length,
    async sweep(from = 0) {
      const mine = created.splice(from);
      return removeAll(kc, mine.map((c) => c.ref), from === 0 ? 120_000 : 60_000);
    },
    created: () => history,
  };
}

/**
 * One HTTP request straight to `url`, with no proxy and no retry: a refused or reset connection and
 * a timeout are answers (status 0). The body is read up to `maxBytes` (64 KiB by default).
 */
export function directRequest(url: string, signal: AbortSignal, opts: { method?: string; headers?: Readonly<Record<string, string>>; body?: string; timeoutMs?: number; maxBytes?: number } = {}): Promise<DirectAnswer> {
  const u = new URL(url);
  const max = opts.maxBytes ?? 64 * 1024;
  return new Promise<DirectAnswer>((resolve, reject) => {
    if (signal.aborted) return reject(new Interrupted());
    let done = false;
    const finish = (a: DirectAnswer | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      if (a instanceof Error) reject(a);
      else resolve(a);
    };
    const onAbort = () => finish(new Interrupted());
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, { method: opts.method ?? 'GET', headers: { connection: 'close', ...opts.headers }, agent: false, ...(u.protocol === 'https:' ? { rejectUnauthorized: false } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      res.on('data', (c: Buffer) => {
        if (size >= max) return void (truncated = true);
        chunks.push(c);
        size += c.length;
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, max).toString('utf8'), ...(truncated || size > max ? { truncated: true } : {}) }));
      res.on('error', (e) => finish({ status: 0, body: '', error: e.message }));
    });
    const timer = setTimeout(() => finish({ status: 0, body: '', error: `no answer within ${opts.timeoutMs ?? 10_000} ms` }), opts.timeoutMs ?? 10_000);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ status: 0, body: '', error: e.code && !e.message.includes(e.code) ? `${e.code} ${e.message}` : e.message.replace(/^connect /, '') }));
    req.end(opts.body);
  });
}

function promClient(cfg: SessionConfig, signal: AbortSignal): PrometheusClient | undefined {
  const p = cfg.prometheus;
  if (!p) return undefined;
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+):(\d+)$/.exec(p);
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    if (m) return rawHttp(cfg.kc, 'GET', `/api/v1/namespaces/${m[1]}/services/${m[2]}:${m[3]}/proxy${path}`, undefined, { signal, timeoutMs: 15_000, retryForMs: 10_000, maxBytes: 16 * 2 ** 20 });
    const r = await fetch(`${p.replace(/\/$/, '')}${path}`, { signal }).catch((e: Error) => {
      throw new TransportError('GET', p, e.message);
    });
    return { status: r.status, body: await r.text() };
  };
  return {
    endpoint: p,
    get,
    async query(promql) {
      const res = await get(`/api/v1/query?query=${encodeURIComponent(promql)}`);
      if (res.status >= 400) throw new ApiError(res.status, 'GET', `${p} query`, res.body.slice(0, 300));
      const data = JSON.parse(res.body) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
      return data.data?.result ?? [];
    },
  };
}

/**
 * One PriorityClass per run, value 0 (the default) with preemptionPolicy Never: a pod kaic makes
 * deliberately unplaceable (a gang that cannot fit, the claimant of a full node) must never evict
 * another tenant's pod to get in. Created once, swept with the run's other objects.
 */
const priorityClasses = new Map<string, Promise<string | undefined>>();
function runPriorityClass(cfg: SessionConfig, typeOf: (t: TypeRef) => ResourceType, signal: AbortSignal): Promise<string | undefined> {
  const key = `${cfg.view.server}/${cfg.runId}`;
  if (!priorityClasses.has(key)) {
    priorityClasses.set(key, (async () => {
      if (!cfg.view.resources.serves('scheduling.k8s.io/v1', 'priorityclasses')) return undefined;
      const name = `kaic-${cfg.runId}-no-preemption`;
      const type = typeOf({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass' });
      try {
        await rawRequest(cfg.kc, 'POST', collectionPath(type), { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name, labels: runLabels(cfg.runId) }, value: 0, preemptionPolicy: 'Never', globalDefault: false, description: 'kaic run: never preempt other pods' }, { signal });
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 409)) throw e;
      }
      return name;
    })());
  }
  return priorityClasses.get(key)!;
}
