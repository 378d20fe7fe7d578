import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, IMAGE_PULL_FAILURES, type CaseHandle, type CheckScope, type KObject } from './api.js';
import { choice, duration } from './settings.js';
import { deniedBy, detectOperator, OPERATORS, servedVersion, webhooksFor, type OperatorProbe, type OperatorProfile, type OperatorWebhook } from './profiles/operators.js';

/** One operator to prove: its profile and the version of its kind the cluster serves. */
interface Proof {
  readonly op: OperatorProfile;
  readonly apiVersion: string;
}
/** Why a provable operator is not proven here: not installed or not asked for (its cases do not apply), or installed in a version kaic cannot write. */
interface Skipped {
  readonly applies: boolean;
  readonly why: string;
}
interface Env {
  readonly proven: ReadonlyMap<string, Proof>;
  readonly skipped: ReadonlyMap<string, Skipped>;
}
/** The operators kaic can prove, and the cases it proves each with. */
const PROVABLE = OPERATORS.filter((o) => o.probe);
const CASES = ['OperatorReady', 'InvalidRefused', 'Reconciled', 'ChildrenRemoved'] as const;
type Settings = { readonly 'operator.timeout': number };

const settings = {
  operator: choice({ description: 'which AI operator to prove (default: the first installed one kaic can prove)', values: OPERATORS.map((o) => o.name), default: undefined }),
  'operator.timeout': duration({ description: 'how long the operator may take to reconcile a valid resource to done, and to remove its children after it is deleted', default: '3m', min: '10s', max: '5m' }),
};

const conditionOf = (o: KObject | undefined, type: string) => ((o?.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
/** Created by the resource's controller: its controlling owner reference. */
const owns = (uid: string) => (o: KObject) => (o.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.controller === true);

export default defineCheck({
  id: 'robust_controller',
  testName: 'TestRobustCRDControllerOperation',
  summary: "finds the AI operators installed (Kubeflow Trainer, KubeRay, JobSet, LeaderWorkerSet, KServe, Volcano, Kueue, MPI) by their CRDs' API groups and proves each one it can (Kubeflow Trainer, JobSet), each in its own cases: its CRD is Established and its own admission webhooks have rules and a CA bundle (their pods Ready where they run in the cluster); a custom resource its schema accepts but its meaning forbids is refused, in a server-side dry run, by the operator's own webhook, named in the refusal (a valid one beside it is allowed); a valid one is reconciled (children created, its done condition reached); deleting it removes the children",
  needs: 'an AI operator kaic can prove (Kubeflow Trainer v2, JobSet) with its webhooks, and a node that runs the probe image',
  cannotProve: 'KubeRay, LeaderWorkerSet, KServe, Volcano, Kueue, the Training Operator (v1) and the MPI Operator yet (detected only)',
  cases: PROVABLE.flatMap((o) => CASES.map((c) => `${o.probe!.subtest}/${c}`)),
  uses: [
    { group: 'apiextensions.k8s.io', resources: ['customresourcedefinitions'], verbs: ['get'] },
    { group: 'admissionregistration.k8s.io', resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], verbs: ['list'] },
    { group: '', resources: ['services', 'pods'], verbs: ['get', 'list', 'watch'] },
    { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['list'] },
    { group: 'batch', resources: ['jobs'], verbs: ['get', 'list', 'watch'] },
    { group: 'jobset.x-k8s.io', resources: ['jobsets'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'trainer.kubeflow.org', resources: ['trainjobs', 'trainingruntimes'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  ],
  settings,
  images: ['probe'],
  // Per operator, four waits of at most operator.timeout (5m), and the cases' cleanup.
  timeoutMs: PROVABLE.length * 25 * 60_000,

  async discover({ cluster, settings: set }) {
    const installed = OPERATORS.filter((o) => detectOperator(cluster, o));
    const found: Record<string, string> = { installed: installed.map((o) => o.title).join(', ') || 'none' };
    const wanted = set.operator;
    if (wanted) {
      const op = OPERATORS.find((o) => o.name === wanted)!;
      if (!detectOperator(cluster, op)) return { ready: false, reason: 'missing-component', detail: `${op.title} was asked for, but ${op.plural}.${op.group} is not served`, remedy: `install ${op.title}`, found };
      if (!op.probe || !servedVersion(cluster, op)) return { ready: false, reason: 'missing-component', detail: `found ${op.title}, which kaic detects but cannot prove yet${op.probe ? ` (it serves none of ${op.versions.join(', ')})` : ''}`, remedy: `prove it by hand, or install ${PROVABLE.map((o) => o.title).join(' or ')}, which kaic proves`, found };
    }
    if (!installed.length) return { ready: false, reason: 'missing-component', detail: 'no AI operator found: none of the CRD groups of Kubeflow Trainer, KubeRay, JobSet, LeaderWorkerSet, KServe, Volcano, Kueue or the MPI Operator is served', remedy: `install an AI operator (${PROVABLE.map((o) => o.title).join(' and ')} are ones kaic proves), or declare the requirement N/A with the reason`, found };
    // Every operator kaic can prove, unless one was asked for; the others' cases are not applicable.
    const proven = new Map<string, Proof>();
    const skipped = new Map<string, Skipped>();
    for (const op of PROVABLE) {
      const version = servedVersion(cluster, op);
      if (wanted && op.name !== wanted) skipped.set(op.name, { applies: false, why: `--set operator=${wanted} asked for another operator` });
      else if (!detectOperator(cluster, op)) skipped.set(op.name, { applies: false, why: `${op.title} is not installed` });
      // Installed, but in a version kaic cannot write: it cannot be proven, and must not pass silently.
      else if (!version) skipped.set(op.name, { applies: true, why: `${op.title} is installed but serves none of the versions kaic can write (${op.versions.join(', ')})` });
      else proven.set(op.name, { op, apiVersion: `${op.group}/${version}` });
    }
    if (!proven.size) {
      return { ready: false, reason: 'missing-component', detail: `found ${installed.map((o) => o.title).join(', ')}, which kaic detects but cannot prove yet`, remedy: `prove it by hand, or install ${PROVABLE.map((o) => o.title).join(' or ')}, which kaic proves`, found };
    }
    found.proven = [...proven.values()].map((p) => p.op.title).join(', ');
    const unprovable = installed.filter((o) => !o.probe).map((o) => o.title);
    if (unprovable.length) found.detectedOnly = unprovable.join(', ');
    return { ready: true, env: { proven, skipped }, found };
  },

  async prove(env: Env, s) {
    for (const op of PROVABLE) {
      const p = env.proven.get(op.name);
      const name = (c: string) => `${op.probe!.subtest}/${c}`;
      if (!p) {
        const why = env.skipped.get(op.name)!;
        for (const c of CASES) await s.case(name(c), async (h) => (why.applies ? h.notRun('missing-component', why.why, `prove ${op.title} by hand, or upgrade kaic`) : h.notApplicable(why.why)));
        continue;
      }
      // CRDs without any webhook of the operator's: left over from an uninstalled operator, most likely.
      const hooks = await operatorWebhooks(p, s);
      if (!hooks.own.length) {
        const why = `the CRDs of ${op.title} are served, but none of its webhooks (${op.probe!.webhooks.join(', ')}) is registered${hooks.others.length ? ` (only others' for ${op.group}: ${hooks.others.map((h) => h.name).join(', ')})` : ''}: CRDs left by an uninstalled ${op.title}, or one installed without its webhooks`;
        for (const c of CASES) await s.case(name(c), async (h) => h.notRun('missing-component', why, `install ${op.title} with its webhooks, or remove its CRDs; --set operator= proves another`));
        continue;
      }
      await s.case(name('OperatorReady'), (c) => operatorReady(p, s, c));
      // Read again, not handed over: an OperatorReady that ended in an error leaves nothing to hand.
      await s.case(name('InvalidRefused'), async (c) => invalidRefused(p, s, c, await operatorWebhooks(p, s)));
      await s.case(name('Reconciled'), (c) => reconciled(p, s, c, `kaic-${op.name}-probe`));
      await s.case(name('ChildrenRemoved'), (c) => childrenRemoved(p, s, c, `kaic-${op.name}-delete`));
    }
  },
});

/** The admission webhooks registered for the operator's API group: its own (by name), and others'. */
async function operatorWebhooks(env: Proof, s: CheckScope): Promise<{ own: OperatorWebhook[]; others: OperatorWebhook[]; all: OperatorWebhook[] }> {
  const validating = await s.list({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', namespace: '' });
  const mutating = await s.list({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', namespace: '' });
  const all = webhooksFor(env.op.group, validating, mutating);
  const names = new Set(env.op.probe!.webhooks);
  return { own: all.filter((h) => names.has(h.name)), others: all.filter((h) => !names.has(h.name)), all };
}

/** The CRD is served and the operator's webhooks are registered so the API server can call them. */
async function operatorReady(env: Proof, s: CheckScope, c: CaseHandle): Promise<void> {
  const { op } = env;
  const crd = await s.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `${op.plural}.${op.group}` });
  const established = conditionOf(crd, 'Established');
  const { own: hooks, others } = await operatorWebhooks(env, s);
  s.evidence(`${op.name}-webhooks.json`, JSON.stringify({ own: hooks, others }, null, 2));
  if (others.length) c.log(`webhooks of others for ${op.group}, not judged: ${others.map((h) => `${h.name} (${h.configuration})`).join(', ')}`);
  if (!crd) {
    c.fail(`CRD ${op.plural}.${op.group} exists`, 'it does not, though discovery serves the group');
    return;
  }
  if (established?.status !== 'True') {
    c.fail(`CRD ${op.plural}.${op.group} is Established`, `Established=${established?.status ?? 'absent'} (${established?.message ?? 'no condition'})`);
    return;
  }
  const validators = hooks.filter((h) => h.kind === 'validating');
  if (!validators.length) {
    c.fail(`${op.title} registers a validating webhook for ${op.group}`, `no ValidatingWebhookConfiguration has a rule for ${op.group}`);
    return;
  }
  // A Service needs the CA bundle; a URL may carry a publicly trusted certificate instead.
  const broken = hooks.filter((h) => !h.hasRules || (h.service && !h.hasCaBundle));
  if (broken.length) {
    c.fail(`every webhook of ${op.title} has rules, and a CA bundle where it is a Service`, broken.map((h) => `${h.name} (${h.configuration}): ${!h.hasRules ? 'no resources/operations in its rules' : 'no caBundle: the API server cannot verify it'}`).join('; '));
    return;
  }
  // Where a webhook is a Service in the cluster, something Ready must be behind it (its pods, or
  // endpoints someone maintains by hand); a URL is served from outside (a managed control plane, a
  // host process) and has nothing to look at.
  const served: string[] = [];
  for (const svc of [...new Map(hooks.filter((h) => h.service).map((h) => [`${h.service!.namespace}/${h.service!.name}`, h.service!])).values()]) {
    const service = await s.get({ apiVersion: 'v1', kind: 'Service', name: svc.name, namespace: svc.namespace });
    const slices = await s.list<{ endpoints?: { conditions?: { ready?: boolean }; targetRef?: { name?: string } }[] }>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: svc.namespace, labelSelector: `kubernetes.io/service-name=${svc.name}` });
    const ready = slices.flatMap((x) => x.endpoints ?? []).filter((e) => e.conditions?.ready !== false);
    if (!ready.length) {
      c.fail(`${op.title}'s webhook Service ${svc.namespace}/${svc.name} has Ready endpoints (its pods)`, service ? `${slices.length} EndpointSlices, no Ready endpoint` : 'the Service does not exist');
      return;
    }
    served.push(`${svc.namespace}/${svc.name}: ${ready.length} Ready endpoints (${ready.map((e) => e.targetRef?.name ?? '?').join(', ')})`);
  }
  const urls = hooks.filter((h) => h.url).map((h) => `${h.name} at ${h.url}`);
  c.pass(`CRD ${op.plural}.${op.group} Established; ${hooks.length} webhooks (${hooks.map((h) => `${h.name}, failurePolicy ${h.failurePolicy}`).join('; ')}) with rules and a CA bundle; ${[...served, ...(urls.length ? [`served outside the cluster, no pods to check: ${urls.join(', ')}`] : [])].join('; ')}`);
  return;
}

const withMeta = (env: Proof, o: Record<string, unknown>): KObject => ({ apiVersion: env.apiVersion, ...o }) as KObject;

/** The operator's own webhook refuses what only it can know is wrong; a valid resource beside it passes. */
async function invalidRefused(env: Proof, s: CheckScope, c: CaseHandle, hooks: { own: readonly OperatorWebhook[]; others: readonly OperatorWebhook[]; all: readonly OperatorWebhook[] }) {
  const { op } = env;
  const probe = op.probe!;
  const own = new Set(hooks.own.map((h) => h.name));
  const group = new Set(hooks.others.map((h) => h.name));
  // The invalid one first: it needs nothing, so an operator whose webhooks are all down is judged on
  // its own webhook here, before creating a prerequisite fails on another of them.
  const invalid = await s.dryRun(withMeta(env, probe.invalid('kaic-invalid', s.images.probe)));
  s.evidence(`${op.name}-dry-run.json`, JSON.stringify({ invalid }, null, 2));
  const expected = `a ${op.kind} with ${probe.invalidBecause} (valid for the CRD schema) is refused by ${op.title}'s own webhook (${[...own].join(', ')})`;
  // Webhook names are unique only within a configuration: Kueue registers JobSet's names for its own.
  const ambiguous = (name: string) => new Set(hooks.all.filter((h) => h.name === name).map((h) => h.configuration)).size > 1;
  const owners = (name: string) => hooks.all.filter((h) => h.name === name).map((h) => h.configuration).join(' and ');
  const unreachable = (name: string, message: string) => {
    if (own.has(name) && ambiguous(name)) return c.notRun('control-failed', `the webhook "${name}" that does not answer is registered by ${owners(name)}: which operator is down cannot be told`, 'check each of them');
    if (own.has(name)) return c.fail(expected, `the API server could not call ${op.title}'s webhook "${name}" for 15s: ${message}`);
    return c.notRun('missing-component', `another admission webhook, "${name}", does not answer: ${message}`, 'check the controller that serves it, then run again');
  };
  if (!invalid.allowed && invalid.unreachable) return unreachable(invalid.unreachable, invalid.message);
  // The control before judging: the same kind, valid, through the same admission chain (policy
  // engines, quotas, dry-run support). If it is refused too, a refusal of the invalid one says nothing.
  const ready = await applyPrerequisites(s, probe, withMeta(env, probe.valid('kaic-valid', s.images.probe)));
  if (!ready.seen && ready.unreachable) return unreachable(ready.unreachable, ready.message);
  const valid = await s.dryRun(withMeta(env, probe.valid('kaic-valid', s.images.probe)));
  s.evidence(`${op.name}-dry-run.json`, JSON.stringify({ valid, invalid }, null, 2));
  if (!valid.allowed && valid.unreachable) return unreachable(valid.unreachable, valid.message);
  if (!valid.allowed) return c.notRun('control-failed', `a valid ${op.kind} was refused too (${valid.message}), so a refusal of an invalid one would say nothing about ${op.title}'s validation`, `read the refusal: an admission policy of the run namespace, or ${op.title} not yet seeing what kaic created`);
  if (invalid.allowed) return c.fail(expected, `the server-side dry run accepted it${hooks.own.some((h) => h.failurePolicy === 'Ignore') ? ` (failurePolicy Ignore on ${hooks.own.filter((h) => h.failurePolicy === 'Ignore').map((h) => h.name).join(', ')}: a webhook that does not answer lets everything in)` : ''}`);
  const by = deniedBy(invalid.message);
  if (!by) return c.notRun('no-verdict', `refused (${invalid.status}) with a message that names neither a webhook nor the schema: ${invalid.message}`, 'read the message; kaic cannot tell who refused');
  if ('schema' in by) return c.fail(expected, `refused by the CRD's schema, not by a webhook (${invalid.message}): the operator's own validation was never reached`);
  // Another controller's webhook for the same group (Kueue's for TrainJobs) may refuse first: the
  // API server calls validating webhooks in parallel, so the operator's own verdict is not seen.
  if (group.has(by.webhook) && !own.has(by.webhook)) return c.notRun('no-verdict', `refused by "${by.webhook}", another controller's webhook for ${op.group} (${owners(by.webhook)}), before ${op.title}'s own verdict could be seen: ${invalid.message}`, `prove ${op.title} where only its own webhooks cover ${op.group}`);
  if (!own.has(by.webhook)) return c.fail(expected, `refused by "${by.webhook}", which is not ${op.title}'s (a policy engine's?): ${invalid.message}`);
  if (!probe.refusal.test(invalid.message)) return c.notRun('no-verdict', `${op.title}'s webhook "${by.webhook}" refused it, but for another reason than ${probe.invalidBecause}: ${invalid.message}`, 'read the message');
  if (ambiguous(by.webhook)) c.log(`"${by.webhook}" is registered by ${owners(by.webhook)}: the refusal came from one of them`);
  c.pass(`refused by "${by.webhook}" (${invalid.status}): ${invalid.message}; a valid ${op.kind} was allowed`);
}

/**
 * What a valid resource needs first (a Trainer runtime), created for real in the run namespace.
 * An operator's webhook reads them from its informer cache, which lags the create: until a dry run
 * of the valid resource is allowed, the operator has not seen them yet. Not seen after 30 s: what
 * the last dry run said, and the webhook that did not answer, if one did not.
 */
async function applyPrerequisites(s: CheckScope, probe: OperatorProbe, valid: KObject): Promise<{ seen: true } | { seen: false; message: string; unreachable?: string }> {
  const needed = probe.prerequisites?.(s.images.probe) ?? [];
  for (const o of needed) await s.apply(o as KObject);
  if (!needed.length) return { seen: true };
  let last: { message: string; unreachable?: string } = { message: '' };
  const seen = await s.poll('the operator to see its prerequisites', async () => {
    const r = await s.dryRun(valid);
    if (r.allowed) return true;
    last = { message: r.message, ...(r.unreachable ? { unreachable: r.unreachable } : {}) };
    // A webhook that does not answer will not start answering because kaic waits.
    return r.unreachable ? false : undefined;
  }, { intervalMs: 500, timeoutMs: 30_000, describe: () => last.message });
  return seen.ok && seen.value ? { seen: true } : { seen: false, ...last };
}

/** Creates a valid resource and waits for the children its operator makes for it (owned by its uid). */
async function createWithChildren(env: Proof, s: CheckScope<Settings>, name: string) {
  const { op } = env;
  const probe = op.probe!;
  const ready = await applyPrerequisites(s, probe, withMeta(env, probe.valid(name, s.images.probe)));
  if (!ready.seen) return { unseen: ready.unreachable ? `the admission webhook "${ready.unreachable}" does not answer: ${ready.message}` : ready.message };
  const obj = await s.apply(withMeta(env, probe.valid(name, s.images.probe)));
  const uid = obj.metadata!.uid!;
  const childQ = { apiVersion: probe.children.apiVersion, kind: probe.children.kind, ...probe.children.selector(name) };
  const children = await s.waitFor(childQ, `${probe.children.count} ${probe.children.kind}s owned by ${op.kind} ${name}`, (m) => {
    const mine = [...m.values()].filter(owns(uid));
    return mine.length >= probe.children.count ? mine : undefined;
  }, { timeoutMs: s.settings['operator.timeout'], describe: (m) => `${[...m.values()].filter(owns(uid)).length} owned` });
  return { uid, childQ, children };
}

/** A valid resource is reconciled: its children appear and it reaches its done condition. */
async function reconciled(env: Proof, s: CheckScope<Settings>, c: CaseHandle, name: string): Promise<void> {
  const { op } = env;
  const probe = op.probe!;
  const timeoutMs = s.settings['operator.timeout'];
  const made = await createWithChildren(env, s, name);
  if ('unseen' in made) return c.notRun('control-failed', `a valid ${op.kind} was still refused 30s after its prerequisites were created: ${made.unseen}`, `read the refusal: ${op.title} not seeing what kaic created, a webhook down, or an admission policy`);
  const { children } = made;
  if (!children.ok) {
    c.fail(`${op.title} creates ${probe.children.count} ${probe.children.kind}s for a valid ${op.kind}`, children.message);
    return;
  }
  c.log(`children: ${children.value.map((j) => j.metadata!.name).join(', ')}`);
  const done = await s.waitForCondition({ apiVersion: env.apiVersion, kind: op.kind, name }, probe.doneCondition, { timeoutMs });
  const now = await s.get({ apiVersion: env.apiVersion, kind: op.kind, name });
  if (now) s.evidence(`${name}.json`, JSON.stringify({ spec: now.spec, status: now.status }, null, 2));
  if (!done.ok) {
    const pods = await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', labelSelector: probe.podSelector(name) });
    const pull = pods.flatMap((p) => p.status?.containerStatuses ?? []).find((x) => IMAGE_PULL_FAILURES.has(x.state?.waiting?.reason ?? ''));
    if (pull) {
      c.notRun('image-unavailable', `the ${op.kind}'s pods cannot start: ${pull.state!.waiting!.reason} for ${pull.image}`, `make ${pull.image} pullable on the nodes, or point kaic at a mirror (--image-registry, --image probe=REF)`);
      return;
    }
    if ((now?.spec as { suspend?: boolean } | undefined)?.suspend) {
      c.notRun('control-failed', `${op.kind} ${name} was suspended (a queue manager such as Kueue holds workloads without a queue), so it could not complete`, 'run in a namespace the queue manager does not manage');
      return;
    }
    const unschedulable = pods.map((p) => p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False')).find(Boolean);
    if (unschedulable) {
      c.notRun('control-failed', `the ${op.kind}'s pods cannot be scheduled (${unschedulable.reason}: ${unschedulable.message}): ${op.title} did its part, the cluster cannot run them`, 'give the probe pods a schedulable node');
      return;
    }
    if (!pods.length) {
      c.notRun('control-failed', `${op.title} created the ${probe.children.kind}s, but they made no pods (a quota or an admission policy?), so none could complete`, "check the Jobs' events in the run namespace");
      return;
    }
    const failed = conditionOf(now, 'Failed');
    c.fail(`${op.kind} ${name} reaches ${probe.doneCondition}=True`, failed?.status === 'True' ? `Failed: ${failed.reason}: ${failed.message}` : done.message);
    return;
  }
  const cond = conditionOf(done.value, probe.doneCondition);
  c.pass(`${children.value.length} ${probe.children.kind}s created (${children.value.map((j) => j.metadata!.name).join(', ')}); ${probe.doneCondition}=True: ${cond?.reason ?? ''} ${cond?.message ?? ''}`.trim());
}

/**
 * Deleting a resource removes what the operator created for it. A resource of its own (a case's
 * objects go with its verdict): its children are shown to exist first, then to go.
 */
async function childrenRemoved(env: Proof, s: CheckScope<Settings>, c: CaseHandle, name: string) {
  const { op } = env;
  const probe = op.probe!;
  const timeoutMs = s.settings['operator.timeout'];
  const created = await createWithChildren(env, s, name);
  if ('unseen' in created) return c.notRun('control-failed', `a valid ${op.kind} was still refused 30s after its prerequisites were created: ${created.unseen}`, `read the refusal: ${op.title} not seeing what kaic created, a webhook down, or an admission policy`);
  const { uid, childQ, children: made } = created;
  if (!made.ok) return c.notRun('control-failed', `${op.title} created no ${probe.children.kind}s for ${name} (${made.message}), so none can be shown to go`);
  await s.remove({ apiVersion: env.apiVersion, kind: op.kind, name });
  const deleted = await s.waitFor({ apiVersion: env.apiVersion, kind: op.kind, fieldSelector: `metadata.name=${name}` }, `${op.kind} ${name} to be gone`, (m) => (m.size === 0 ? true : undefined), { timeoutMs });
  if (!deleted.ok) return c.fail(`${op.kind} ${name} is deleted`, `${deleted.message} (a finalizer ${op.title} never removes?)`);
  const gone = await s.waitFor(childQ, `the ${made.value.length} ${probe.children.kind}s of ${name} to be removed`, (m) => ([...m.values()].some(owns(uid)) ? undefined : true), { timeoutMs, describe: (m) => `${[...m.values()].filter(owns(uid)).map((o) => o.metadata!.name).join(', ')} still there` });
  if (!gone.ok) return c.fail(`deleting ${op.kind} ${name} removes its ${made.value.length} ${probe.children.kind}s`, gone.message);
  c.pass(`${op.kind} ${name} deleted; its ${made.value.length} ${probe.children.kind}s (${made.value.map((o) => o.metadata!.name).join(', ')}) were removed`);
}
