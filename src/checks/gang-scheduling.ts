import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CaseHandle, type CheckScope, type KObject } from './api.js';
import { choice, duration } from './settings.js';
import { isReadyNode } from './support/nodes.js';
import { boundPods, onNodes, podsOf, restrictedPod } from './support/pods.js';
import { usedOnNode } from './support/capacity.js';
import { formatQuantity, parseQuantity } from './support/quantity.js';
import { acceleratorNodes, tolerationsForNodes } from './profiles/accelerators.js';
import { GANG_SOLVERS, type GangSolver } from './profiles/gang.js';

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
};
type Settings = { readonly 'gang.window': number; readonly 'gang.spread': number };

export default defineCheck({
  id: 'gang_scheduling',
  testName: 'TestGangScheduling',
  summary: 'detects the Workload API, Kueue, Volcano, KAI and coscheduling; proves native gang scheduling: a gang one member too big for the free capacity gets zero pods bound for the whole window (after a lone member of the same size is shown to bind, and with the gang named as the reason), and a gang that fits is bound together; both twice',
  needs: 'a gang scheduler kaic can prove (the native Workload API today) and accelerator nodes with free capacity',
  cannotProve: 'Kueue, Volcano and KAI gangs yet (detected only)',
  cases: ['AllOrNothing', 'FitsTogether', 'AllOrNothingRepeat', 'FitsTogetherRepeat'],
  uses: [
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'scheduling.k8s.io', resources: ['podgroups', 'workloads'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
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
    } else solver = detected.find((g) => g.makeGang) ?? detected[0];
    if (!solver) {
      return { ready: false, reason: 'missing-component', detail: 'no gang scheduler found: no Workload API (scheduling.k8s.io PodGroup), Kueue, Volcano, KAI scheduler or coscheduling', remedy: 'install Kueue or Volcano, or enable the GenericWorkload feature gate for native gang scheduling; or declare it N/A with --na gang_scheduling="..."', found };
    }
    found.solver = solver.name;
    if (!solver.makeGang) return { ready: false, reason: 'missing-component', detail: `found ${solver.title}, which kaic detects but cannot prove yet`, remedy: 'prove it by hand, or enable native gang scheduling', found };
    const res = accel.extendedResource;
    const gpuNodes = res ? acceleratorNodes(cluster.nodes, accel).filter((n) => isReadyNode(n) && (parseQuantity(n.status?.allocatable?.[res]) ?? 0) > 0) : [];
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

function member(env: Env, s: CheckScope, name: string, group: string, gang: { podFields: Record<string, unknown>; labels?: Record<string, string>; annotations?: Record<string, string> } | undefined, amount: string): KObject {
  const limits = env.resource === 'cpu' ? {} : { [env.resource]: amount };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'kaic.dev/gang': group, ...gang?.labels }, ...(gang?.annotations ? { annotations: gang.annotations } : {}) },
    spec: restrictedPod({ ...gang?.podFields, tolerations: env.tolerations, affinity: onNodes(nodesOf(env, s)), containers: [{ name: 'member', image: s.images.pause, resources: { requests: { [env.resource]: amount }, limits } }] }),
  };
}

/** Free capacity per node: allocatable less what non-finished pods there request (other tenants included). */
async function freeCapacity(env: Env, s: CheckScope): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const name of nodesOf(env, s)) {
    const node = s.cluster.nodes.find((n) => n.metadata?.name === name);
    const allocatable = parseQuantity(node?.status?.allocatable?.[env.resource]) ?? 0;
    out.set(name, allocatable - (await usedOnNode(s, name, env.resource)));
  }
  return out;
}

const scheduledCondition = (p: V1Pod) => p.status?.conditions?.find((x) => x.type === 'PodScheduled');

/** A gang that cannot fit gets zero pods bound for the whole window. */
async function allOrNothing(env: Env, s: CheckScope<Settings>, c: CaseHandle, group: string) {
  const window = s.settings['gang.window'];
  const free = await freeCapacity(env, s);
  // Each member asks for the largest free amount on any node: no node fits two, the gang is one
  // member more than there are nodes, so it cannot fit; yet a scheduler without gang support can
  // bind a member on the node with that much free.
  const largest = Math.max(...free.values());
  const amount = env.resource === 'cpu' ? Math.floor(largest * 1000) / 1000 : Math.floor(largest);
  c.log(`free ${env.resource}: ${[...free].map(([n, f]) => `${n}=${formatQuantity(f, env.resource)}`).join(', ')}`);
  if (!(amount > 0)) return c.notRun('control-failed', `no free ${env.resource} on ${[...free.keys()].join(', ')}: a gang cannot be sized to show anything`, 'run when accelerators are free');
  const size = formatQuantity(amount, env.resource);
  const members = free.size + 1;
  // Control: a lone pod of member size binds now, on the same nodes.
  await s.apply(member(env, s, `${group}-control`, `${group}-control`, undefined, size));
  const lone = await s.waitForPods([`${group}-control`], 'Scheduled', 60_000);
  if (!lone.ok) return c.notRun('control-failed', `a lone pod asking for ${size} ${env.resource} was not bound (${lone.message}), so a gang of such pods staying unbound would prove nothing`);
  c.log(`control: a lone pod of ${size} ${env.resource} was bound to ${lone.value.get(`${group}-control`)!.spec!.nodeName}`);
  await s.remove({ apiVersion: 'v1', kind: 'Pod', name: `${group}-control` }, { wait: true });

  const gang = await env.solver.makeGang!(s, group, members);
  for (let i = 0; i < members; i++) await s.apply(member(env, s, `${group}-${i}`, group, gang, size));
  const q = { apiVersion: 'v1', kind: 'Pod', labelSelector: `kaic.dev/gang=${group}` };
  const partial = (m: ReadonlyMap<string, unknown>) => {
    const bound = boundPods(m);
    return bound.length ? `${bound.length} of ${members} pods bound (partial placement): ${bound.map((p) => `${p.metadata!.name}→${p.spec!.nodeName}`).join(', ')}` : undefined;
  };
  const held = await s.holdsFor(q, `no pod of gang ${group} to be bound`, partial, window);
  const expected = `none of ${members} pods (each ${size} ${env.resource}, ${free.size} nodes) bound for ${window / 1000}s`;
  if (!held.held) {
    // A gang scheduler binds a whole gang at once: if every member ends up bound, capacity was freed
    // during the window (another tenant) and the gang fit after all, which proves nothing either way.
    const whole = await s.waitFor(q, `every member of ${group} to be bound`, (m) => (boundPods(m).length === members ? true : undefined), { timeoutMs: s.settings['gang.spread'] });
    if (whole.ok) return c.notRun('control-failed', `capacity was freed on the nodes during the window and the whole gang of ${members} was bound: the gang could fit, nothing proven`, 'run again when no other workload releases accelerators on these nodes');
    return c.fail(expected, held.violation);
  }
  const after = await s.list<V1Pod>(q);
  const late = partial(new Map(after.map((p) => [p.metadata!.name!, p])));
  if (late) return c.fail(expected, late);
  // The scheduler must have held the gang back as a gang: "Insufficient" alone is any scheduler.
  const verdicts = after.map((p) => scheduledCondition(p)).filter((x) => x && x.status === 'False');
  const own = verdicts.find((x) => env.solver.gangReason?.(x!.reason ?? '', x!.message ?? ''));
  if (!verdicts.length) return c.notRun('no-verdict', `no pod of gang ${group} was ever considered by a scheduler (no PodScheduled condition): nothing bound proves nothing`, 'check that the scheduler is running');
  if (!own) return c.notRun('control-failed', `the gang stayed unbound, but the scheduler gave only reasons any scheduler gives ("${verdicts[0]!.reason}: ${verdicts[0]!.message}"), not the gang's`, 'check that the gang plugin is enabled in the scheduler');
  c.pass(`0 of ${members} pods bound for ${window / 1000}s although a lone pod of the same size was bound; scheduler: "${own.message}"`);
}

/** A gang that fits gets every member bound, together. */
async function fitsTogether(env: Env, s: CheckScope<Settings>, c: CaseHandle, group: string) {
  const spreadMs = s.settings['gang.spread'];
  const size = env.resource === 'cpu' ? 0.1 : 1;
  // As many members as the free capacity holds, up to 4: a gang that fits must really fit.
  const free = await freeCapacity(env, s);
  const members = Math.min(4, [...free.values()].reduce((n, f) => n + Math.floor(f / size + 1e-9), 0));
  if (members < 2) return c.notRun('control-failed', `the free ${env.resource} on ${[...free].map(([n, f]) => `${n}=${formatQuantity(f, env.resource)}`).join(', ')} holds fewer than 2 members of ${formatQuantity(size, env.resource)}: no gang that fits can be built`, 'run when accelerators are free');
  const gang = await env.solver.makeGang!(s, group, members);
  for (let i = 0; i < members; i++) await s.apply(member(env, s, `${group}-${i}`, group, gang, formatQuantity(size, env.resource)));
  const r = await s.waitFor({ apiVersion: 'v1', kind: 'Pod', labelSelector: `kaic.dev/gang=${group}` }, `all ${members} pods of gang ${group} to be bound`, (m) => (boundPods(m).length === members ? boundPods(m) : undefined), { timeoutMs: 90_000, describe: (m) => `${boundPods(m).length} of ${members} bound; ${podsOf(m).map((p) => scheduledCondition(p)?.message).filter(Boolean)[0] ?? ''}` });
  if (!r.ok) return c.fail(`all ${members} members of a gang that fits are bound`, r.message);
  const times = r.value.map((p) => Date.parse(String(scheduledCondition(p)?.status === 'True' ? scheduledCondition(p)?.lastTransitionTime : ''))).filter((t) => !Number.isNaN(t));
  if (times.length !== members) return c.fail('each member records when it was scheduled', `${times.length} of ${members} pods have a PodScheduled=True time`);
  const spread = Math.max(...times) - Math.min(...times);
  if (spread > spreadMs) return c.fail(`members bound together (within ${spreadMs / 1000}s)`, `bind times spread over ${spread / 1000}s`);
  c.pass(`all ${members} members bound within ${spread / 1000}s of each other: ${r.value.map((p) => `${p.metadata!.name}→${p.spec!.nodeName}`).join(', ')}`);
}
