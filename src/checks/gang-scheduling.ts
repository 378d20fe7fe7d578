import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CaseHandle, type CheckScope } from './api.js';
import { choice, duration, integer } from './settings.js';
import { isReadyNode } from './support/nodes.js';
import { boundPods, onNodes, podScheduled, podsOf, restrictedPod } from './support/pods.js';
import { usedOnNode } from './support/capacity.js';
import { formatQuantity, parseQuantity } from './support/quantity.js';
import { acceleratorNodes, tolerationsForNodes } from './profiles/accelerators.js';
import { GANG_SOLVERS, type GangSetup, type GangSolver, type SubmittedGang } from './profiles/gang.js';

const MAX_NODES = 4;

interface Env {
  readonly solver: GangSolver;
  /** What each member requests: the accelerator's extended resource, or CPU on clusters without one. */
  readonly resource: string;
  readonly nodes: readonly string[];
  readonly tolerations: { key: string; operator: string }[];
}

const settings = {
  'gang.scheduler': choice({ description: 'which gang scheduler to prove (default: the first one kaic can prove)', values: GANG_SOLVERS.map((g) => g.name), default: undefined }),
  'gang.window': duration({ description: 'how long a gang that cannot fit must get zero pods bound', default: '20s', min: '5s', max: '10m' }),
  'gang.spread': duration({ description: 'how close together the members of a gang that fits must be bound', default: '5s', min: '500ms', max: '2m' }),
  'gang.quota': integer({ description: "Kueue: the accelerator quota of kaic's own ClusterQueue, in whole units (default: the free capacity of the gang's nodes); a quota above what the nodes hold shows whether partial placement is caught", default: undefined, min: 1, max: 1_000_000 }),
};
type Settings = { readonly 'gang.window': number; readonly 'gang.spread': number; readonly 'gang.quota'?: number };

export default defineCheck({
  id: 'gang_scheduling',
  testName: 'TestGangScheduling',
  summary: "detects Kueue, the Workload API, Volcano, KAI and coscheduling; proves Kueue gangs (a Job through kaic's own ClusterQueue, its quota the free capacity), Volcano gangs (a PodGroup with minMember in its default queue) and native gangs the same way: a gang one member too big for the free capacity gets zero pods bound for the whole window, after a control of the same member size is bound, and with the solver's own reason on record (Kueue's pending Workload, Volcano's PodGroup condition, the gang plugin's message); a gang that fits is bound together; both twice",
  needs: 'a gang scheduler kaic can prove (Kueue, Volcano, or the native Workload API) and accelerator nodes with free capacity',
  cannotProve: 'KAI and coscheduling gangs yet (detected only); with Kueue, physical placement beyond its quota (kaic sizes the quota from the free capacity, so a gang Kueue admits must bind)',
  cases: ['AllOrNothing', 'FitsTogether', 'AllOrNothingRepeat', 'FitsTogetherRepeat'],
  uses: [
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'scheduling.k8s.io', resources: ['podgroups', 'workloads'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'batch', resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'kueue.x-k8s.io', resources: ['resourceflavors', 'clusterqueues', 'localqueues'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'kueue.x-k8s.io', resources: ['workloads'], verbs: ['get', 'list', 'watch'] },
    { group: 'scheduling.volcano.sh', resources: ['podgroups'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'scheduling.volcano.sh', resources: ['queues'], verbs: ['get'] },
  ],
  settings,
  images: ['pause'],
  capacity: { acceleratorNodes: 'all', min: 1 },
  timeoutMs: 10 * 60_000,

  async discover({ cluster, settings: set, accelerator: accel }) {
    const detected = GANG_SOLVERS.filter((g) => g.detect(cluster));
    const found: Record<string, string> = { detected: detected.map((d) => d.name).join(', ') || 'none' };
    const wanted = set['gang.scheduler'];
    let solver: GangSolver | undefined;
    if (wanted) {
      solver = GANG_SOLVERS.find((g) => g.name === wanted)!;
      if (!solver.detect(cluster)) return { ready: false, reason: 'missing-component', detail: `${solver.title} was asked for but its API is not served`, remedy: `install ${solver.title}`, found };
    } else solver = detected.find((g) => g.submit) ?? detected[0];
    if (!solver) {
      return { ready: false, reason: 'missing-component', detail: 'no gang scheduler found: no Workload API (scheduling.k8s.io PodGroup), Kueue, Volcano, KAI scheduler or coscheduling', remedy: 'install Kueue or Volcano, or enable the GenericWorkload feature gate for native gang scheduling; or declare it N/A with --na gang_scheduling="..."', found };
    }
    found.solver = solver.name;
    if (!solver.submit) return { ready: false, reason: 'missing-component', detail: `found ${solver.title}, which kaic detects but cannot prove yet`, remedy: 'prove it by hand, or install Kueue (kaic proves it), or enable native gang scheduling', found };
    const res = accel.extendedResource;
    const gpuNodes = res ? acceleratorNodes(cluster.nodes, accel).filter((n) => isReadyNode(n) && !n.spec?.unschedulable && (parseQuantity(n.status?.allocatable?.[res]) ?? 0) > 0) : [];
    const useGpu = gpuNodes.length > 0;
    // At most 4 nodes: enough to show placement across nodes, and a gang of nodes+1 members stays
    // small on a cluster of thousands (every member is pinned to these nodes).
    const nodes = (useGpu ? gpuNodes : cluster.nodes.filter((n) => isReadyNode(n) && !n.spec?.unschedulable)).map((n) => n.metadata!.name!).sort().slice(0, MAX_NODES);
    if (nodes.length === 0) return { ready: false, reason: 'missing-component', detail: 'no Ready node to build gangs on', found };
    const resource = useGpu ? res! : 'cpu';
    found.resource = `${resource} (${nodes.length} nodes)`;
    // On CPU nodes the gang leases no accelerator node.
    return { ready: true, env: { solver, resource, nodes, tolerations: tolerationsForNodes(cluster.nodes, nodes, accel) }, found, nodes: useGpu ? nodes : [] };
  },

  async prove(env: Env, s) {
    for (const round of ['', 'Repeat']) {
      await s.case(`AllOrNothing${round}`, (c) => allOrNothing(env, s, c, `too-big${round ? '-2' : ''}`));
      await s.case(`FitsTogether${round}`, (c) => fitsTogether(env, s, c, `fits${round ? '-2' : ''}`));
    }
  },
});

const nodesOf = (env: Env, s: CheckScope) => (s.nodes.length ? s.nodes : env.nodes);

/** Every member's pod spec: restricted, pinned to the gang's nodes, asking for `amount`. */
function memberSpec(env: Env, s: CheckScope, amount: string): Record<string, unknown> {
  const limits = env.resource === 'cpu' ? {} : { [env.resource]: amount };
  return restrictedPod({ tolerations: env.tolerations, affinity: onNodes(nodesOf(env, s)), containers: [{ name: 'member', image: s.images.pause, resources: { requests: { [env.resource]: amount }, limits } }] });
}

/** Free capacity per node: allocatable less what non-finished pods there request (other tenants included). */
async function freeCapacity(env: Env, s: CheckScope): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of nodesOf(env, s)) {
    const node = s.cluster.nodes.find((n) => n.metadata?.name === name);
    const allocatable = parseQuantity(node?.status?.allocatable?.[env.resource]) ?? 0;
    // An unhealthy device drops allocatable under what pods still hold: nothing is free, not less.
    out.set(name, Math.max(0, allocatable - (await usedOnNode(s, name, env.resource))));
  }
  return out;
}

const describeFree = (env: Env, free: Map<string, number>) => [...free].map(([n, f]) => `${n}=${formatQuantity(f, env.resource)}`).join(', ');

/**
 * The solver's set-up for one case: Kueue's queues get the free capacity as their quota (whole
 * units, or millicores on CPU nodes), unless `gang.quota` says otherwise.
 */
async function prepare(env: Env, s: CheckScope<Settings>, c: CaseHandle, name: string, free: Map<string, number>): Promise<GangSetup | undefined> {
  const total = [...free.values()].reduce((n, f) => n + (env.resource === 'cpu' ? Math.floor(f * 1000) / 1000 : Math.floor(f)), 0);
  const given = s.settings['gang.quota'];
  const setup: GangSetup = { name, resource: env.resource, quota: given !== undefined ? String(given) : formatQuantity(total, env.resource) };
  const r = await env.solver.prepare!(s, setup);
  if (!r.ok) {
    c.notRun('missing-component', r.detail, r.remedy);
    return undefined;
  }
  c.log(r.log + (given !== undefined ? ` (gang.quota=${given}; the nodes have ${formatQuantity(total, env.resource)} free)` : ''));
  return setup;
}

async function keepEvidence(s: CheckScope, gang: SubmittedGang) {
  for (const [name, content] of Object.entries(await gang.evidence())) s.evidence(name, content);
}

/** A gang that cannot fit gets zero pods bound for the whole window. */
async function allOrNothing(env: Env, s: CheckScope<Settings>, c: CaseHandle, group: string) {
  const window = s.settings['gang.window'];
  const free = await freeCapacity(env, s);
  // Each member asks for the largest free amount on any node: no node fits two, the gang is one
  // member more than there are nodes, so it cannot fit; yet a scheduler without gang support can
  // bind a member on the node with that much free.
  const largest = Math.max(...free.values());
  const amount = env.resource === 'cpu' ? Math.floor(largest * 1000) / 1000 : Math.floor(largest);
  c.log(`free ${env.resource}: ${describeFree(env, free)}`);
  if (!(amount > 0)) return c.notRun('control-failed', `no free ${env.resource} on ${[...free.keys()].join(', ')}: a gang cannot be sized to show anything`, 'run when accelerators are free');
  const size = formatQuantity(amount, env.resource);
  const members = free.size + 1;
  const setup = await prepare(env, s, c, group, free);
  if (!setup) return;

  // Control: one member of the same size binds now, on the same nodes (through the solver when it
  // is a queue: then the queue is shown to admit what fits).
  const control = `${group}-control`;
  if (env.solver.controlThroughSolver) {
    const one = await env.solver.submit!(s, { group: control, members: 1, podSpec: memberSpec(env, s, size), setup });
    if (one.notTaken) return c.notRun('control-failed', `${one.notTaken}: a gang through it would prove nothing`, "label the run namespace as the solver's namespace selector wants, or choose another solver (--set gang.scheduler=...)");
    const bound = await s.waitFor({ apiVersion: 'v1', kind: 'Pod', labelSelector: one.selector }, `the control's one member to be bound`, (m) => boundPods(m)[0], { timeoutMs: 60_000 });
    const word = await one.word([]);
    if (!bound.ok) return c.notRun('control-failed', `a one-member gang asking for ${size} ${env.resource} was not bound (${bound.message}; ${word.text}), so a bigger gang staying unbound would prove nothing`, 'check that the solver is running and admits what fits');
    if (word.kind !== 'taken') return c.notRun('control-failed', `the control's member was bound, but not through ${env.solver.title}: ${word.text}`, `check the solver's webhook and its integrations${s.cluster.serves('scheduling.k8s.io/v1beta1', 'podgroups') ? ', or prove native gangs instead (--set gang.scheduler=native)' : ''}`);
    const unaccounted = await one.accounting?.(env.resource, size);
    if (unaccounted) return c.notRun('control-failed', unaccounted, `make the solver count ${env.resource}`);
    c.log(`control: a one-member gang of ${size} ${env.resource} was bound to ${bound.value.spec!.nodeName} (${word.text})`);
    await one.remove();
    const gone = await s.waitFor({ apiVersion: 'v1', kind: 'Pod', labelSelector: one.selector }, "the control's pod to be gone", (m) => (m.size === 0 ? true : undefined), { timeoutMs: 60_000 });
    if (!gone.ok) return c.notRun('control-failed', `the control's pod did not go (${gone.message}): its capacity is not free again`);
  } else {
    await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: control, labels: { 'kaic.dev/gang': control } }, spec: memberSpec(env, s, size) });
    const lone = await s.waitForPods([control], 'Scheduled', 60_000);
    if (!lone.ok) return c.notRun('control-failed', `a lone pod asking for ${size} ${env.resource} was not bound (${lone.message}), so a gang of such pods staying unbound would prove nothing`);
    c.log(`control: a lone pod of ${size} ${env.resource} was bound to ${lone.value.get(control)!.spec!.nodeName}`);
    await s.remove({ apiVersion: 'v1', kind: 'Pod', name: control }, { wait: true });
  }

  const gang = await env.solver.submit!(s, { group, members, podSpec: memberSpec(env, s, size), setup });
  if (gang.notTaken) return c.notRun('control-failed', `${gang.notTaken}, although it took the control in: nothing proven`);
  const q = { apiVersion: 'v1', kind: 'Pod', labelSelector: gang.selector };
  const partial = (m: ReadonlyMap<string, unknown>) => {
    const bound = boundPods(m);
    return bound.length ? `${bound.length} of ${members} pods bound (partial placement): ${bound.map((p) => `${p.metadata!.name}→${p.spec!.nodeName}`).join(', ')}` : undefined;
  };
  const held = await s.holdsFor(q, `no pod of gang ${group} to be bound`, partial, window);
  const expected = `none of ${members} pods (each ${size} ${env.resource}, ${free.size} nodes) bound for ${window / 1000}s`;
  if (!held.held) {
    // A gang scheduler binds a whole gang at once: if every member ends up bound and holding its
    // share together, capacity was freed during the window (another tenant) and the gang fit after
    // all, which proves nothing either way. Members that finished freed it themselves: a member bound
    // only after others ended is the partial placement it looks like.
    const holding = (m: ReadonlyMap<string, unknown>) => boundPods(m).filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const whole = await s.waitFor(q, `every member of ${group} to be bound at once`, (m) => (holding(m).length === members ? true : undefined), { timeoutMs: s.settings['gang.spread'] });
    await keepEvidence(s, gang);
    if (whole.ok) return c.notRun('control-failed', `capacity was freed on the nodes during the window and the whole gang of ${members} was bound: the gang could fit, nothing proven`, 'run again when no other workload releases accelerators on these nodes');
    const word = await gang.word(await s.list<V1Pod>(q));
    return c.fail(expected, `${held.violation}; ${word.text}`);
  }
  const after = await s.list<V1Pod>(q);
  const late = partial(new Map(after.map((p) => [p.metadata!.name!, p])));
  const word = await gang.word(after);
  await keepEvidence(s, gang);
  if (late) return c.fail(expected, `${late}; ${word.text}`);
  // The solver must have held the gang back as a gang: "Insufficient" alone is any scheduler, and a
  // gang nobody looked at proves nothing.
  if (word.kind === 'taken') return c.fail(`${env.solver.title} keeps a gang bigger than the free capacity out`, `${word.text}, though none of its pods was bound within ${window / 1000}s`);
  if (word.kind === 'unseen') return c.notRun('no-verdict', `${word.text}: nothing bound proves nothing`, 'check that the solver is running');
  if (word.kind === 'generic') return c.notRun('control-failed', `the gang stayed unbound, but the solver gave only reasons any scheduler gives (${word.text}), not the gang's`, 'check that the gang plugin is enabled in the scheduler, or the queue covers what the members request');
  c.pass(`0 of ${members} pods bound for ${window / 1000}s although ${env.solver.controlThroughSolver ? 'a one-member gang' : 'a lone pod'} of the same size was bound; ${word.text}`);
}

/** A gang that fits gets every member bound, together. */
async function fitsTogether(env: Env, s: CheckScope<Settings>, c: CaseHandle, group: string) {
  const spreadMs = s.settings['gang.spread'];
  const unit = env.resource === 'cpu' ? 0.1 : 1;
  // As many members as the free capacity holds, up to 4: a gang that fits must really fit.
  const free = await freeCapacity(env, s);
  const quota = s.settings['gang.quota'];
  const members = Math.min(4, [...free.values()].reduce((n, f) => n + Math.floor(f / unit + 1e-9), 0), quota !== undefined ? Math.floor(quota / unit + 1e-9) : Infinity);
  if (members < 2) return c.notRun('control-failed', `the free ${env.resource} on ${describeFree(env, free)} holds fewer than 2 members of ${formatQuantity(unit, env.resource)}: no gang that fits can be built`, 'run when accelerators are free');
  const setup = await prepare(env, s, c, group, free);
  if (!setup) return;
  const gang = await env.solver.submit!(s, { group, members, podSpec: memberSpec(env, s, formatQuantity(unit, env.resource)), setup });
  if (gang.notTaken) return c.notRun('control-failed', `${gang.notTaken}: a gang bound without it proves nothing`, "label the run namespace as the solver's namespace selector wants, or choose another solver (--set gang.scheduler=...)");
  const r = await s.waitFor({ apiVersion: 'v1', kind: 'Pod', labelSelector: gang.selector }, `all ${members} pods of gang ${group} to be bound`, (m) => (boundPods(m).length === members ? boundPods(m) : undefined), { timeoutMs: 90_000, describe: (m) => `${boundPods(m).length} of ${members} bound; ${podsOf(m).map((p) => podScheduled(p)?.message).filter(Boolean)[0] ?? ''}` });
  const word = await gang.word(r.ok ? r.value : await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', labelSelector: gang.selector }));
  await keepEvidence(s, gang);
  if (!r.ok) {
    // Capacity measured at the start may have gone to another tenant (or a member been preempted):
    // if what is unbound no longer fits, the gang's failure to bind is not the solver's.
    const pods = await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', labelSelector: gang.selector });
    const unbound = members - pods.filter((p) => p.spec?.nodeName && p.status?.phase !== 'Failed').length;
    const now = await freeCapacity(env, s);
    const fits = [...now.values()].reduce((n, f) => n + Math.floor(f / unit + 1e-9), 0);
    if (unbound > fits) return c.notRun('control-failed', `the free ${env.resource} fell to ${describeFree(env, now)} while the gang waited: its ${unbound} unbound members no longer fit (${r.message})`, 'run again when no other workload takes accelerators on these nodes');
    return c.fail(`all ${members} members of a gang that fits are bound`, `${r.message}; ${word.text}`);
  }
  if (word.kind !== 'taken') return c.notRun('control-failed', `the gang's pods were bound, but not through ${env.solver.title}: ${word.text}`, "check the solver's webhook and its integrations");
  const times = r.value.map((p) => Date.parse(String(podScheduled(p)?.status === 'True' ? podScheduled(p)?.lastTransitionTime : ''))).filter((t) => !Number.isNaN(t));
  if (times.length !== members) return c.fail('each member records when it was scheduled', `${times.length} of ${members} pods have a PodScheduled=True time`);
  const spread = Math.max(...times) - Math.min(...times);
  if (spread > spreadMs) return c.fail(`members bound together (within ${spreadMs / 1000}s)`, `bind times spread over ${spread / 1000}s`);
  c.pass(`all ${members} members bound within ${spread / 1000}s of each other (${word.text}): ${r.value.map((p) => `${p.metadata!.name}→${p.spec!.nodeName}`).join(', ')}`);
}
