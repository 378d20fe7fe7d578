import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterView } from '../cluster/view.js';
import { isReady } from '../cluster/view.js';
import { restricted } from './dra-support.js';
import { acceleratorNodes, tolerationsForNodes } from './profiles/accelerators.js';
import { boundPods, GANG_SOLVERS, type GangSolver } from './profiles/gang.js';
import { defineCheck, type CaseHandle, type CheckScope, type Discovery } from './types.js';

interface Env {
  readonly solver: GangSolver;
  /** What each member requests: the accelerator's extended resource, or CPU on clusters without one. */
  readonly resource: string;
  /** Per-node amount: one member of the too-big gang fills a whole node. */
  readonly perNode: number;
  readonly nodes: number;
  readonly tolerations: { key: string; operator: string }[];
  readonly windowMs: number;
  readonly spreadMs: number;
}

const parseMs = (s: string | undefined, def: number) => {
  if (!s) return def;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
  if (!m) return def;
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
};

export default defineCheck<Env>({
  id: 'gang_scheduling',
  testName: 'TestGangScheduling',
  cases: ['AllOrNothing', 'FitsTogether', 'AllOrNothingRepeat', 'FitsTogetherRepeat'],

  async discover(view: ClusterView, options): Promise<Discovery<Env>> {
    const detected = GANG_SOLVERS.filter((g) => g.detect(view));
    const found: Record<string, string> = { detected: detected.map((d) => d.name).join(', ') || 'none' };
    const wanted = options.settings['gang.scheduler'];
    let solver: GangSolver | undefined;
    if (wanted) {
      solver = GANG_SOLVERS.find((g) => g.name === wanted);
      if (!solver) return { ready: false, reason: 'no-verdict', detail: `--gang-scheduler ${wanted} is not one kaic knows (${GANG_SOLVERS.map((g) => g.name).join(', ')})`, found };
      if (!solver.detect(view)) return { ready: false, reason: 'missing-component', detail: `${solver.title} was asked for but its API is not served`, remedy: `install ${solver.title}`, found };
    } else solver = detected.find((g) => g.makeGang) ?? detected[0];
    if (!solver) {
      return { ready: false, reason: 'missing-component', detail: 'no gang scheduler found: no Workload API (scheduling.k8s.io PodGroup), Kueue, Volcano, KAI scheduler or coscheduling', remedy: 'install Kueue or Volcano, or enable the GenericWorkload feature gate for native gang scheduling; or declare it N/A with --na gang_scheduling="..."', found };
    }
    found.solver = solver.name;
    if (!solver.makeGang) return { ready: false, reason: 'missing-component', detail: `found ${solver.title}, which kaic detects but cannot prove yet`, remedy: 'prove it by hand with the procedure in the evidence folder, or enable native gang scheduling', found };
    const accel = options.accelerator;
    const gpuNodes = accel.extendedResource ? acceleratorNodes(view, accel).filter((n) => isReady(n) && Number(n.status?.allocatable?.[accel.extendedResource!] ?? 0) > 0) : [];
    const useGpu = gpuNodes.length > 0;
    const nodes = useGpu ? gpuNodes : view.nodes.filter((n) => isReady(n) && !n.spec?.unschedulable);
    const resource = useGpu ? accel.extendedResource! : 'cpu';
    const amounts = nodes.map((n) => Number.parseInt(String(n.status?.allocatable?.[resource] ?? '0'), 10)).filter((x) => x > 0);
    if (amounts.length === 0) return { ready: false, reason: 'missing-component', detail: 'no Ready node with allocatable resources to build gangs from', found };
    found.resource = `${resource} (${amounts.length} nodes)`;
    return {
      ready: true,
      env: { solver, resource, perNode: Math.max(...amounts), nodes: amounts.length, tolerations: tolerationsForNodes(view, nodes.map((n) => n.metadata!.name!), accel), windowMs: parseMs(options.settings['gang.window'], 20_000), spreadMs: parseMs(options.settings['gang.spread'], 5_000) },
      found,
    };
  },

  async prove(env, s) {
    for (const round of ['', 'Repeat']) {
      await s.case(`AllOrNothing${round}`, (c) => allOrNothing(env, s, c, `too-big${round ? '-2' : ''}`));
      await s.case(`FitsTogether${round}`, (c) => fitsTogether(env, s, c, `fits${round ? '-2' : ''}`));
    }
  },

  procedure(env) {
    const n = env.nodes + 1;
    return [
      `# A gang of ${n} pods, each asking for a whole node's ${env.resource} (${env.perNode}), on ${env.nodes} such nodes: no pod may be bound.`,
      env.solver.procedure?.('too-big', n) ?? '',
      `for i in $(seq 0 ${n - 1}); do kubectl -n $NS run too-big-$i --image=registry.k8s.io/pause:3.10 --restart=Never --overrides='{"spec":{"schedulingGroup":{"podGroupName":"too-big"},"tolerations":${JSON.stringify(env.tolerations)},"containers":[{"name":"m","image":"registry.k8s.io/pause:3.10","resources":{"limits":{"${env.resource}":"${env.perNode}"}}}]}}'; done`,
      `sleep ${Math.round(env.windowMs / 1000)}; kubectl -n $NS get pods -o wide   # every pod Pending, none with a NODE`,
    ].filter(Boolean);
  },
});

function member(env: Env, s: CheckScope, name: string, group: string, gang: { podFields: Record<string, unknown>; labels?: Record<string, string>; annotations?: Record<string, string> }, amount: number): V1Pod {
  return {
    metadata: { name, namespace: s.namespace, labels: { 'kaic.dev/gang': group, ...gang.labels }, annotations: gang.annotations },
    spec: {
      ...gang.podFields,
      restartPolicy: 'Never',
      tolerations: env.tolerations,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'member', image: s.options.images.pause, securityContext: restricted(), resources: { requests: { [env.resource]: String(amount) }, limits: env.resource === 'cpu' ? {} : { [env.resource]: String(amount) } } }],
    },
  } as unknown as V1Pod;
}

async function createGang(env: Env, s: CheckScope, group: string, members: number, amount: number) {
  const gang = await env.solver.makeGang!(s, group, members);
  for (let i = 0; i < members; i++) await s.create('Pod', member(env, s, `${group}-${i}`, group, gang, amount));
}

async function removeGang(s: CheckScope, group: string, members: number) {
  for (let i = 0; i < members; i++) await s.delete('Pod', `${group}-${i}`);
  await s.waitFor({ path: `/api/v1/namespaces/${s.namespace}/pods`, labelSelector: `kaic.dev/gang=${group}` }, `gang ${group} to be removed`, (m) => (m.size === 0 ? true : undefined), 60_000);
}

/** A gang that cannot fit gets zero pods bound for the whole window. */
async function allOrNothing(env: Env, s: CheckScope, c: CaseHandle, group: string) {
  const members = env.nodes + 1;
  await createGang(env, s, group, members, env.perNode);
  const target = { path: `/api/v1/namespaces/${s.namespace}/pods`, labelSelector: `kaic.dev/gang=${group}` };
  const held = await s.holdsFor(target, `no pod of gang ${group} to be bound`, (m) => {
    const bound = boundPods(m);
    return bound.length ? `${bound.length} of ${members} pods bound (partial placement): ${bound.map((p) => `${p.metadata!.name}→${p.spec!.nodeName}`).join(', ')}` : undefined;
  }, env.windowMs);
  // Control: the scheduler must have seen the gang (otherwise "nothing bound" proves nothing).
  const considered = await s.waitFor(target, `the scheduler to report on gang ${group}`, (m) => {
    const pods = [...m.values()] as V1Pod[];
    return pods.some((p) => p.status?.conditions?.some((x) => x.type === 'PodScheduled')) || boundPods(m).length ? pods : undefined;
  }, 30_000).catch(() => undefined);
  await removeGang(s, group, members);
  const expected = `none of ${members} pods (each ${env.perNode} ${env.resource}, ${env.nodes} nodes) bound for ${env.windowMs / 1000}s`;
  if (!held.held) return c.fail(expected, held.violation);
  if (!considered) return c.notRun('no-verdict', `no pod of gang ${group} was ever considered by a scheduler (no PodScheduled condition): nothing bound proves nothing`, 'check that the gang scheduler is running');
  const msg = (considered.find((p) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False'))?.status?.conditions ?? []).find((x) => x.type === 'PodScheduled')?.message;
  c.pass(`0 of ${members} pods bound for ${env.windowMs / 1000}s${msg ? `; scheduler: "${msg}"` : ''}`);
}

/** A gang that fits gets every member bound, together. */
async function fitsTogether(env: Env, s: CheckScope, c: CaseHandle, group: string) {
  const members = Math.max(2, Math.min(env.nodes, 4));
  await createGang(env, s, group, members, 1);
  let pods: V1Pod[];
  try {
    pods = await s.waitFor({ path: `/api/v1/namespaces/${s.namespace}/pods`, labelSelector: `kaic.dev/gang=${group}` }, `all ${members} pods of gang ${group} to be bound`, (m) => (boundPods(m).length === members ? boundPods(m) : undefined), 90_000, (m) => `${boundPods(m).length} of ${members} bound`);
  } catch (e) {
    await removeGang(s, group, members);
    return c.fail(`all ${members} members of a gang that fits are bound`, (e as Error).message);
  }
  const times = pods.map((p) => Date.parse(p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'True')?.lastTransitionTime as unknown as string ?? '')).filter((t) => !Number.isNaN(t));
  await removeGang(s, group, members);
  const spread = times.length === members ? Math.max(...times) - Math.min(...times) : undefined;
  if (spread === undefined) return c.fail(`each member records when it was scheduled`, `${times.length} of ${members} pods have a PodScheduled=True time`);
  if (spread > env.spreadMs) return c.fail(`members bound together (within ${env.spreadMs / 1000}s)`, `bind times spread over ${spread / 1000}s`);
  c.pass(`all ${members} members bound within ${spread / 1000}s of each other: ${pods.map((p) => `${p.metadata!.name}→${p.spec!.nodeName}`).join(', ')}`);
}
