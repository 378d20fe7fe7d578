import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CaseHandle, type CheckScope, type KObject } from './api.js';
import { duration, text } from './settings.js';
import { podRequest, usedOnNode } from './support/capacity.js';
import { isReadyNode, tolerationsFor } from './support/nodes.js';
import { onNodes, podScheduled, restrictedPod } from './support/pods.js';
import { parseQuantity } from './support/quantity.js';
import {
  clusterAutoscalerEmptyDelay,
  clusterAutoscalers,
  isLifecycleTaint,
  karpenterEmptyDelay,
  karpenterKeepsNodes,
  karpenterTaints,
  nodeClaimOf,
  KARPENTER_POOL_LABEL,
  KARPENTER_VERSIONS,
  leaving,
  nodePoolCarries,
  nodePoolsLabelling,
  parsePool,
  POOL_PATTERN,
  poolText,
  type PoolChoice,
  type PoolLabel,
} from './profiles/autoscalers.js';

/**
 * cluster_autoscaling (KAR-0055): the platform's autoscaler adds a node with the accelerator to a
 * pool when a pod asking for it cannot fit, and removes it once the pod is gone. Upstream's semantics
 * (a settled, idle pool; its nodes held by pinned pods under a PodDisruptionBudget; a trigger pod
 * the scheduler refuses; the trigger bound on a *new* node; that node gone afterwards and the pool
 * back at its baseline), with each claim tied to a node by name and UID and each negative to a
 * control: the trigger must have been refused by the scheduler before a new node counts.
 */

interface Env {
  readonly choice: PoolChoice;
  readonly resource: string;
  /** The accelerator's taint keys, which kaic's pods tolerate. */
  readonly accelTaints: readonly string[];
  /** `autoscaler.tolerate`: more taint keys a new pool node carries (a pool that starts empty shows none). */
  readonly tolerate: readonly string[];
}
type Settings = { readonly 'autoscaler.scaleUpTimeout': number; readonly 'autoscaler.scaleDownTimeout'?: number; readonly 'autoscaler.stableWindow': number };

const settings = {
  'autoscaler.pool': text({ description: "the accelerator node pool to prove, as its nodes' label (upstream's -autoscaler-node-pool-label); default: the Karpenter NodePool that carries the accelerator", default: undefined, pattern: POOL_PATTERN, example: 'karpenter.sh/nodepool=gpu' }),
  'autoscaler.scaleUpTimeout': duration({ description: 'how long the autoscaler may take to add a node and the trigger pod to be bound on it', default: '15m', min: '30s', max: '45m' }),
  'autoscaler.scaleDownTimeout': duration({ description: "how long the autoscaler may take to remove the added node once the trigger is gone (default: the pool's empty-node delay, where it can be read, plus 10 minutes; else 30 minutes)", default: undefined, min: '30s', max: '60m' }),
  'autoscaler.tolerate': text({ description: "taint keys the pool's new nodes carry, comma-separated, for the trigger to tolerate (kaic adds the accelerator's, a Karpenter template's and the baseline nodes' own)", default: undefined, pattern: /^[A-Za-z0-9][-A-Za-z0-9_./]*(,[A-Za-z0-9][-A-Za-z0-9_./]*)*$/, example: 'sku,dedicated' }),
  'autoscaler.stableWindow': duration({ description: 'how long the pool must then stay at its baseline (no node added, none of its nodes removed)', default: '30s', min: '10s', max: '10m' }),
};

/** How long the pool's node set must stay unchanged, all Ready, before it counts as a baseline. */
const SETTLE_MS = 10_000;
const SETTLE_TIMEOUT_MS = 3 * 60_000;
const FILL_TIMEOUT_MS = 2 * 60_000;
/** Beyond the autoscaler's own empty-node delay: its loop, the drain, and a cloud deleting a GPU instance. */
const SCALE_DOWN_SLACK_MS = 10 * 60_000;
const DEFAULT_SCALE_DOWN_MS = 30 * 60_000;
const TRIGGER = 'kaic-autoscale-trigger';
const FILL_LABEL = 'kaic.dev/autoscale-role';

export default defineCheck({
  id: 'cluster_autoscaling',
  testName: 'TestAcceleratorClusterAutoscaling',
  summary: "finds Karpenter (NodePools) or the Cluster Autoscaler (its Deployment) and the accelerator pool (a NodePool, or --set autoscaler.pool=key=value); with the pool settled and idle and each of its nodes held by a pinned pod taking its free accelerators (a PodDisruptionBudget keeps them), a pod asking for one accelerator in the pool is refused by the scheduler and then bound on a node that did not exist before (by name and UID); once that pod is deleted the node goes, and the pool stays at its baseline for a window",
  needs: 'a cluster autoscaler (Karpenter, the Cluster Autoscaler, or a managed one named by its pool label) whose accelerator pool may grow by one node, and an accelerator with an extended resource',
  cannotProve: 'pools that offer the accelerator through DRA only (the trigger asks for the extended resource); node groups of the Cluster Autoscaler without the pool label; a pool already at its maximum is a FAIL, as the requirement asks for room to grow',
  cases: ['ScaleUp', 'ScaleDown', 'BaselineHeld'],
  uses: [
    { group: '', resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['events'], verbs: ['list'] },
    { group: '', resources: ['configmaps'], verbs: ['get'] },
    { group: 'policy', resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'create', 'delete'] },
    { group: 'apps', resources: ['deployments'], verbs: ['list'] },
    { group: 'karpenter.sh', resources: ['nodepools', 'nodeclaims'], verbs: ['get', 'list', 'watch'] },
  ],
  settings,
  images: ['pause'],
  capacityNote: "the pool's nodes at the start (their free accelerators are held), leased for the check alone; none for a pool that starts empty",
  // The three waits at their longest (45 + 60 + 10 min), the settling and the fill (5), and the clean-up.
  timeoutMs: 150 * 60_000,

  async discover({ cluster, settings: set, accelerator: accel, list }) {
    const resource = accel.extendedResource;
    if (!resource) return { ready: false, reason: 'missing-component', detail: `the accelerator profile ${accel.name} has no extended resource: kaic's trigger pod asks for one accelerator by it`, remedy: 'choose the profile of the accelerator the pool offers (--accelerator)' };
    const version = KARPENTER_VERSIONS.find((v) => cluster.serves(`karpenter.sh/${v}`, 'nodepools'));
    const karpenterApi = version ? `karpenter.sh/${version}` : undefined;
    const nodePools = karpenterApi ? await list({ apiVersion: karpenterApi, kind: 'NodePool' }) : [];
    const cas = clusterAutoscalers(await list({ apiVersion: 'apps/v1', kind: 'Deployment' }));
    const found: Record<string, string> = {
      autoscalers: [...(karpenterApi ? [`Karpenter ${version} (NodePools: ${nodePools.map((p) => p.metadata!.name).join(', ') || 'none'})`] : []), ...cas.map((c) => `Cluster Autoscaler (Deployment ${c.name})`)].join('; ') || 'none',
    };
    const accelTaints = [...new Set([resource, ...accel.taintKeys])];
    const tolerate = (set['autoscaler.tolerate'] ?? '').split(',').map((t) => t.trim()).filter(Boolean);
    const karpenterChoice = (pool: PoolLabel, np: KObject): PoolChoice => {
      const delay = karpenterEmptyDelay(np);
      const keeps = karpenterKeepsNodes(np);
      return { pool, kind: 'karpenter', autoscaler: `Karpenter (NodePool ${np.metadata!.name})`, karpenter: { apiVersion: karpenterApi!, nodePool: np.metadata!.name! }, taints: karpenterTaints(np), ...(delay ? { emptyNodeDelayMs: delay.ms, delaySource: delay.source } : {}), ...(keeps ? { keepsNodes: keeps } : {}) };
    };
    const asked = set['autoscaler.pool'];
    let choice: PoolChoice;
    if (asked) {
      const pool = parsePool(asked);
      // A NodePool by name, or the one NodePool whose template gives its nodes the label.
      const labelling = nodePoolsLabelling(nodePools, pool);
      const np = pool.key === KARPENTER_POOL_LABEL ? nodePools.find((p) => p.metadata?.name === pool.value) : labelling.length === 1 ? labelling[0] : undefined;
      if (pool.key === KARPENTER_POOL_LABEL && karpenterApi && !np) return { ready: false, reason: 'missing-component', detail: `--set autoscaler.pool=${asked}: no NodePool ${pool.value} (there are ${nodePools.map((p) => p.metadata!.name).join(', ') || 'none'})`, remedy: 'name a NodePool that exists', found };
      if (np) choice = karpenterChoice(pool, np);
      else if (cas.length) {
        const d = clusterAutoscalerEmptyDelay(cas[0]!.args);
        choice = { pool, kind: 'cluster-autoscaler', autoscaler: `Cluster Autoscaler (${cas[0]!.name})`, taints: [], emptyNodeDelayMs: d.ms, delaySource: d.source };
      } else choice = { pool, kind: 'unknown', autoscaler: karpenterApi ? 'Karpenter (no NodePool labels its nodes so)' : 'the autoscaler of the pool you named (none kaic recognises: a managed one?)', taints: [] };
    } else if (nodePools.length) {
      const carrying = nodePools.map((p) => ({ p, why: nodePoolCarries(p, accel, cluster.nodes) })).filter((x) => x.why);
      const pick = carrying.length === 1 ? carrying[0]!.p : carrying.length === 0 && nodePools.length === 1 ? nodePools[0]! : undefined;
      if (!pick) {
        const names = (carrying.length ? carrying.map((x) => `${x.p.metadata!.name} (${x.why})`) : nodePools.map((p) => p.metadata!.name!)).join(', ');
        return { ready: false, reason: 'missing-component', detail: `${carrying.length ? 'several' : 'none of the'} Karpenter NodePools ${carrying.length ? 'can carry' : 'shows that it carries'} ${resource}: ${names}`, remedy: `name the pool to prove: --set autoscaler.pool=${KARPENTER_POOL_LABEL}=NAME`, found };
      }
      choice = karpenterChoice({ key: KARPENTER_POOL_LABEL, value: pick.metadata!.name! }, pick);
    } else if (cas.length) {
      return { ready: false, reason: 'missing-component', detail: `found the Cluster Autoscaler (${cas.map((c) => c.name).join(', ')}), but its node groups are not node labels kaic can read`, remedy: "name the accelerator pool by its nodes' label: --set autoscaler.pool=KEY=VALUE (as upstream's -autoscaler-node-pool-label)", found };
    } else {
      return {
        ready: false,
        reason: 'missing-component',
        detail: `no cluster autoscaler found: ${karpenterApi ? 'Karpenter serves no NodePool' : 'no Karpenter NodePools are served'} and no Deployment runs the Cluster Autoscaler`,
        remedy: 'a managed autoscaler: name its accelerator pool with --set autoscaler.pool=KEY=VALUE; a fixed-size cluster: declare it N/A, e.g. --na cluster_autoscaling="fixed-size cluster: accelerator nodes are provisioned by hand"',
        found,
      };
    }
    found.pool = `${poolText(choice.pool)} (${choice.autoscaler})`;
    if (choice.delaySource) found.emptyNodeDelay = choice.delaySource;
    // The pool's nodes now: kaic fills their accelerators, so no other check may measure on them.
    const members = cluster.nodes.filter((n) => n.metadata?.labels?.[choice.pool.key] === choice.pool.value).map((n) => n.metadata!.name!);
    found.baseline = `${members.length} node(s)${members.length ? `: ${members.join(', ')}` : ''}`;
    return { ready: true, env: { choice, resource, accelTaints, tolerate }, found, nodes: members, ...(members.length ? { capacity: { acceleratorNodes: members.length } } : {}) };
  },

  async prove(env: Env, s) {
    const run = new Run(env, s);
    const prepared = await run.prepare();
    // The trigger outside any case: ScaleDown deletes it itself, and times the node's going from then.
    if (prepared.ok) await run.createTrigger();
    await s.case('ScaleUp', async (c) => (prepared.ok ? run.scaleUp(c) : c.notRun('control-failed', prepared.detail, prepared.remedy)));
    await s.case('ScaleDown', async (c) => (run.added ? run.scaleDown(c) : c.notRun('control-failed', prepared.ok ? 'ScaleUp showed no node the autoscaler added for the trigger, so none can be shown to go' : prepared.detail, prepared.ok ? undefined : prepared.remedy)));
    await s.case('BaselineHeld', async (c) => (run.removed ? run.baselineHeld(c) : c.notRun('control-failed', run.added ? 'the added node did not go, so the pool never came back to its baseline' : 'ScaleUp showed no node the autoscaler added, so there is no return to the baseline to hold', undefined)));
  },
});

interface NodeId {
  readonly name: string;
  readonly uid: string;
}
type Event = { reason?: string; message?: string; source?: { component?: string }; reportingComponent?: string; lastTimestamp?: string; eventTime?: string; metadata?: { creationTimestamp?: string } };

const idOf = (n: V1Node): NodeId => ({ name: n.metadata!.name!, uid: n.metadata!.uid! });
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const serverTime = (t: unknown) => Date.parse(String(t ?? ''));
/** The object of that name in a wait's items (keyed `namespace/name`). */
const only = <T>(m: ReadonlyMap<string, unknown>, name: string) => [...m.values()].find((o) => (o as { metadata?: { name?: string } }).metadata?.name === name) as T | undefined;
const eventText = (e: Event) => `${e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''} ${e.source?.component || e.reportingComponent || '?'} ${e.reason ?? ''}: ${e.message ?? ''}`.trim();
const fromAutoscaler = (e: Event) => /karpenter|cluster-autoscaler/i.test(e.source?.component || e.reportingComponent || '');
const unfinished = (p: V1Pod) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
const isDaemonOrMirror = (p: V1Pod) => (p.metadata?.ownerReferences ?? []).some((r) => r.kind === 'DaemonSet' || r.kind === 'Node');

/** One proof: the baseline, the node the autoscaler added, and a timeline of what was done and seen. */
class Run {
  private readonly timeline: string[] = [];
  private baseline: NodeId[] = [];
  /** Baseline nodes a holding pod keeps (under the PodDisruptionBudget): only their removal is the autoscaler's doing. */
  private readonly held = new Set<string>();
  /** NoSchedule/NoExecute taints on the baseline nodes (not lifecycle ones): new pool nodes carry them too. */
  private baselineTaints: string[] = [];
  private trigger?: { created: number };
  private readonly claims = new Map<string, unknown>();
  /** The node the autoscaler added for the trigger. */
  added?: NodeId;
  /** The added node went. */
  removed = false;

  constructor(
    private readonly env: Env,
    private readonly s: CheckScope<Settings>,
  ) {}

  private get pool() {
    return this.env.choice.pool;
  }
  private note(line: string) {
    this.timeline.push(`${new Date().toISOString()}  ${line}`);
    this.s.evidence('timeline.txt', `${this.timeline.join('\n')}\n`);
  }
  private poolNodes() {
    return this.s.list<V1Node>({ apiVersion: 'v1', kind: 'Node', labelSelector: poolText(this.pool) });
  }

  /**
   * Pods of other namespaces that the scheduler refused, that ask for the accelerator and that a new
   * node of the pool could take: the autoscaler serves them too. A pod pinned to existing nodes by
   * name, or selecting another pool, cannot take it (Karpenter refuses to plan for the former).
   */
  private async foreignPending(): Promise<string[]> {
    const pods = await this.s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: '', fieldSelector: 'status.phase=Pending', cached: true });
    const pinned = (p: V1Pod) => (p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []).some((t) => (t.matchFields ?? []).some((f) => f.key === 'metadata.name'));
    const otherPool = (p: V1Pod) => {
      const v = p.spec?.nodeSelector?.[this.pool.key];
      return v !== undefined && v !== this.pool.value;
    };
    return pods
      .filter((p) => p.metadata?.namespace !== this.s.namespace && !p.spec?.nodeName && podScheduled(p)?.reason === 'Unschedulable' && podRequest(p, this.env.resource) > 0 && !pinned(p) && !otherPool(p))
      .map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);
  }

  /** Pods of other namespaces on a node (DaemonSet and mirror pods aside): another tenant uses it. */
  private async tenantsOn(node: string): Promise<string[]> {
    const pods = await this.s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: '', fieldSelector: `spec.nodeName=${node}` });
    return pods.filter((p) => p.metadata?.namespace !== this.s.namespace && unfinished(p) && !isDaemonOrMirror(p)).map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);
  }

  /**
   * The pool settled (the same nodes, all Ready and none on its way out, for SETTLE_MS) and idle (no
   * other pod waiting for the accelerator); every free accelerator on its nodes taken by a pinned pod
   * that a PodDisruptionBudget keeps, so the trigger cannot fit on any of them.
   */
  async prepare(): Promise<{ ok: true } | { ok: false; detail: string; remedy?: string }> {
    const { s, env } = this;
    if (env.choice.taints.length) s.log(`the NodePool's template taints: ${env.choice.taints.map((t) => `${t.key}:${t.effect}`).join(', ')}`);
    let stableSince = Date.now();
    let last = '';
    let state = '';
    const settled = await s.poll(
      `the pool ${poolText(this.pool)} to settle`,
      async () => {
        const nodes = await this.poolNodes();
        const key = nodes.map((n) => `${n.metadata!.uid}:${isReadyNode(n)}:${leaving(n) ?? ''}`).sort().join(',');
        if (key !== last) [last, stableSince] = [key, Date.now()];
        const unsettled = nodes.filter((n) => !isReadyNode(n) || leaving(n));
        state = unsettled.length ? unsettled.map((n) => `${n.metadata!.name} ${leaving(n) ?? 'not Ready'}`).join(', ') : `${nodes.length} node(s), changed ${secs(Date.now() - stableSince)} ago`;
        return !unsettled.length && Date.now() - stableSince >= SETTLE_MS ? nodes : undefined;
      },
      { intervalMs: 1_000, timeoutMs: SETTLE_TIMEOUT_MS, describe: () => state },
    );
    if (!settled.ok) return { ok: false, detail: `the pool ${poolText(this.pool)} did not settle within ${SETTLE_TIMEOUT_MS / 60_000} minutes: ${settled.lastSeen}`, remedy: 'run again once every node of the pool is Ready and none is being added or removed' };
    this.baseline = settled.value.map(idOf);
    this.baselineTaints = [...new Set(settled.value.flatMap((n) => (n.spec?.taints ?? []).filter((t) => t.effect !== 'PreferNoSchedule' && !isLifecycleTaint(t.key)).map((t) => t.key)))];
    s.evidence('baseline.json', JSON.stringify(settled.value.map((n) => ({ ...idOf(n), created: n.metadata?.creationTimestamp, allocatable: n.status?.allocatable?.[env.resource], unschedulable: n.spec?.unschedulable ?? false, taints: n.spec?.taints ?? [] })), null, 2));
    this.note(`baseline: ${this.baseline.length} Ready node(s) in ${poolText(this.pool)}${this.baseline.length ? ` (${this.baseline.map((n) => n.name).join(', ')})` : ''}`);
    const waiting = await this.foreignPending();
    if (waiting.length) return { ok: false, detail: `the pool is not idle: ${waiting.length} pod(s) of other tenants wait for ${env.resource} (${waiting.slice(0, 5).join(', ')}${waiting.length > 5 ? ', …' : ''}); a node added now may be theirs`, remedy: 'run when no other workload waits for accelerators' };

    const holders: string[] = [];
    for (const node of settled.value.filter((n) => !n.spec?.unschedulable)) {
      const name = node.metadata!.name!;
      const free = Math.floor((parseQuantity(node.status?.allocatable?.[env.resource]) ?? 0) - (await usedOnNode(s, name, env.resource)));
      if (free < 1) continue;
      const holder = `kaic-autoscale-hold-${holders.length}`;
      await s.apply({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: holder, labels: { [FILL_LABEL]: 'hold' } },
        spec: restrictedPod({
          affinity: onNodes([name]),
          // The node's own taints, never the lifecycle ones: a holder must not stay on a node going away.
          tolerations: tolerationsFor(settled.value, [name], env.accelTaints).filter((t) => !isLifecycleTaint(t.key)),
          containers: [{ name: 'hold', image: s.images.pause, resources: { requests: { [env.resource]: String(free) }, limits: { [env.resource]: String(free) } } }],
        }),
      });
      holders.push(holder);
      this.held.add(node.metadata!.uid!);
      this.note(`hold: ${holder} takes the ${free} free ${env.resource} of ${name}`);
    }
    if (holders.length) {
      await s.apply({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'kaic-autoscale-hold' }, spec: { maxUnavailable: 0, selector: { matchLabels: { [FILL_LABEL]: 'hold' } } } });
      const held = await s.waitFor(
        { apiVersion: 'v1', kind: 'Pod', labelSelector: `${FILL_LABEL}=hold` },
        `${holders.length} holding pods bound`,
        (m) => (([...m.values()] as V1Pod[]).filter((p) => p.spec?.nodeName).length >= holders.length ? true : undefined),
        { timeoutMs: FILL_TIMEOUT_MS, describe: (m) => ([...m.values()] as V1Pod[]).filter((p) => !p.spec?.nodeName).map((p) => `${p.metadata!.name}: ${podScheduled(p)?.message ?? 'not scheduled'}`).join('; ') },
      );
      if (!held.ok) return { ok: false, detail: `the pods holding the pool's free ${env.resource} were not all bound within ${FILL_TIMEOUT_MS / 60_000} minutes (${held.message}): the capacity changed under kaic`, remedy: 'run when the pool is idle' };
      this.note(`hold: ${holders.length} pod(s) bound, under PodDisruptionBudget kaic-autoscale-hold`);
    }
    return { ok: true };
  }

  /** The trigger: one accelerator in the pool, by its label. */
  async createTrigger(): Promise<void> {
    const { s, env } = this;
    const tolerate = [...new Set([...env.accelTaints, ...env.choice.taints.map((t) => t.key), ...this.baselineTaints, ...env.tolerate])].filter((k) => !isLifecycleTaint(k)).sort();
    const trigger = await s.apply<KObject>({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: TRIGGER, labels: { [FILL_LABEL]: 'trigger' } },
      // A node selector, not kaic's usual matchFields pinning: autoscalers cannot plan a node for a
      // pod that names existing nodes (Karpenter refuses such pods outright).
      spec: restrictedPod({
        nodeSelector: { [this.pool.key]: this.pool.value },
        tolerations: tolerate.map((key) => ({ key, operator: 'Exists' })),
        containers: [{ name: 'trigger', image: s.images.pause, resources: { requests: { [env.resource]: '1' }, limits: { [env.resource]: '1' } } }],
      }),
    });
    this.trigger = { created: serverTime(trigger.metadata?.creationTimestamp) };
    this.note(`trigger: ${TRIGGER} created, asking for 1 ${env.resource} in ${poolText(this.pool)}, tolerating ${tolerate.join(', ')}`);
  }

  /** A pod that fits nowhere in the pool is refused, then bound on a node the autoscaler added for it. */
  async scaleUp(c: CaseHandle): Promise<void> {
    const { s, env } = this;
    const timeoutMs = s.settings['autoscaler.scaleUpTimeout'];
    let refused: string | undefined;
    const bound = await s.waitFor(
      { apiVersion: 'v1', kind: 'Pod', fieldSelector: `metadata.name=${TRIGGER}` },
      `${TRIGGER} to be bound`,
      (m) => {
        const p = only<V1Pod>(m, TRIGGER);
        const cond = podScheduled(p);
        if (!refused && cond?.status === 'False' && cond.reason === 'Unschedulable') {
          refused = cond.message ?? 'Unschedulable';
          this.note(`trigger: refused by the scheduler: ${refused}`);
        }
        return p?.spec?.nodeName ? p : undefined;
      },
      { timeoutMs, describe: (m) => podScheduled(only<V1Pod>(m, TRIGGER))?.message ?? 'not judged by the scheduler yet' },
    );
    const events = await this.eventsFor('Pod', TRIGGER);
    s.evidence('trigger-events.txt', `${events.map(eventText).join('\n')}\n`);
    await this.recordAutoscaler();
    if (!bound.ok) {
      const pod = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: TRIGGER });
      const cond = podScheduled(pod);
      if (!cond) return c.notRun('control-failed', `the scheduler never judged ${TRIGGER} in ${timeoutMs / 1000}s (no PodScheduled condition): autoscalers act on pods the scheduler marked Unschedulable`, 'check that the scheduler runs');
      const nodes = await this.poolNodes();
      const fresh = nodes.filter((n) => !this.inBaseline(n));
      const said = events.filter(fromAutoscaler).map(eventText);
      const freshText = fresh.map((n) => `${n.metadata!.name} (Ready=${isReadyNode(n)}, ${n.status?.allocatable?.[env.resource] ?? 0} ${env.resource} allocatable, taints: ${(n.spec?.taints ?? []).map((t) => t.key).join(', ') || 'none'})`).join(', ');
      return c.fail(
        `the autoscaler adds a node to ${poolText(this.pool)} with ${env.resource} and ${TRIGGER} is bound there within ${timeoutMs / 1000}s`,
        `${TRIGGER} still unbound after ${timeoutMs / 1000}s (${cond.reason}: ${cond.message}); the pool has ${nodes.length} node(s), ${fresh.length ? `new: ${freshText} (a node that comes up slowly: raise autoscaler.scaleUpTimeout; a taint the trigger lacks: autoscaler.tolerate)` : 'none new'}; the autoscaler said: ${said.length ? said.slice(-4).join(' | ') : 'nothing (no event on the pod)'}`,
      );
    }
    const name = bound.value.spec!.nodeName!;
    const node = await s.get<V1Node>({ apiVersion: 'v1', kind: 'Node', name });
    if (!node) return c.notRun('control-failed', `${TRIGGER} was bound to ${name}, which is gone already`, 'run again');
    if (this.inBaseline(node)) return c.notRun('control-failed', `${TRIGGER} was bound to ${name}, a node of the baseline: its ${env.resource} were freed under kaic (a holding pod gone?), so nothing shows that the autoscaler acted`, 'run when the pool is idle');
    const created = serverTime(node.metadata?.creationTimestamp);
    // Server timestamps have whole seconds: a node made in the trigger's second counts as new.
    if (!(created >= Math.floor(this.trigger!.created / 1000) * 1000)) return c.notRun('control-failed', `${TRIGGER} was bound to ${name}, which existed before the trigger (created ${node.metadata?.creationTimestamp}) but was not in the pool when kaic read it (it joined the pool since)`, 'run when the pool is steady');
    // The scheduler's refusal is the control: without it, the trigger might have fit all along.
    const failed = events.find((e) => e.reason === 'FailedScheduling' && !fromAutoscaler(e));
    refused ??= failed?.message;
    if (!refused) return c.notRun('no-verdict', `${TRIGGER} was bound to the new node ${name}, but the scheduler's refusal of it was never seen (neither on the watch nor as a FailedScheduling event), so nothing shows it could not fit before`, 'run again');
    // Whose node is it? The autoscaler's own record ties it to the trigger; else no other demand may exist.
    const attributed = await this.attribution(node, events);
    if (!attributed.ok) return c.notRun('control-failed', attributed.detail, 'run when no other workload waits for accelerators');
    this.added = idOf(node);
    const scheduledAt = serverTime(podScheduled(bound.value)?.lastTransitionTime);
    const alloc = parseQuantity(node.status?.allocatable?.[env.resource]) ?? 0;
    this.note(`scale-up: node ${name} (uid ${node.metadata!.uid}) created ${node.metadata?.creationTimestamp}; ${TRIGGER} bound there; ${attributed.text}`);
    c.pass(
      `${TRIGGER} (1 ${env.resource}) was refused by the scheduler (${refused}), then bound on ${name}, a node of ${poolText(this.pool)} created ${node.metadata?.creationTimestamp} after the trigger (uid ${node.metadata!.uid}, not among the ${this.baseline.length} baseline node(s)), Ready=${isReadyNode(node)}, ${alloc} ${env.resource} allocatable; ${attributed.text}${Number.isFinite(scheduledAt) ? `; ${secs(scheduledAt - this.trigger!.created)} from trigger to binding (server times)` : ''}`,
    );
  }

  /**
   * Ties the new node to the trigger by the autoscaler's own record: Karpenter's NodeClaim for it,
   * created after the trigger, that Karpenter nominated the trigger to; the Cluster Autoscaler's
   * TriggeredScaleUp event on the trigger. Without such a record, no other pod may have been waiting
   * for the accelerator, nor be on the node.
   */
  private async attribution(found: V1Node, events: readonly Event[]): Promise<{ ok: true; text: string } | { ok: false; detail: string }> {
    const { s, env } = this;
    const node = found.metadata!.name!;
    let record: string | undefined;
    if (env.choice.kind === 'karpenter') {
      const claims = await s.list({ apiVersion: env.choice.karpenter!.apiVersion, kind: 'NodeClaim', namespace: '' });
      const claim = nodeClaimOf(claims, found);
      if (!claim) return { ok: false, detail: `${node} has no NodeClaim: Karpenter did not launch it` };
      if (serverTime(claim.metadata?.creationTimestamp) < Math.floor(this.trigger!.created / 1000) * 1000) return { ok: false, detail: `${node} comes from NodeClaim ${claim.metadata!.name}, created ${claim.metadata?.creationTimestamp}, before the trigger: Karpenter launched it for something else` };
      // "Pod should schedule on: nodeclaim/X[, node/Y]": the name whole, not a prefix of another.
      const names = (m: string | undefined) => (m ?? '').split(/[\s,:]+/);
      const nominated = events.find((e) => e.reason === 'Nominated' && names(e.message).includes(`nodeclaim/${claim.metadata!.name}`));
      record = nominated ? `Karpenter launched it as NodeClaim ${claim.metadata!.name} after the trigger and nominated the trigger to it ("${nominated.message}")` : undefined;
      if (!record) s.log(`NodeClaim ${claim.metadata!.name} was created after the trigger, but no Nominated event names it`);
    } else if (env.choice.kind === 'cluster-autoscaler') {
      const triggered = events.find((e) => e.reason === 'TriggeredScaleUp');
      if (triggered) record = `the Cluster Autoscaler said on the trigger: "${triggered.message}"`;
    }
    if (record) return { ok: true, text: record };
    const waiting = await this.foreignPending();
    const tenants = await this.tenantsOn(node);
    if (waiting.length || tenants.length) return { ok: false, detail: `${node} is new, but nothing of the autoscaler's ties it to the trigger, and other pods ${waiting.length ? `wait for ${env.resource} (${waiting.slice(0, 5).join(', ')})` : `run on it (${tenants.slice(0, 5).join(', ')})`}: the node may be theirs` };
    return { ok: true, text: `no record of the autoscaler's ties the node to the trigger (${env.choice.autoscaler}), but no other pod waited for ${env.resource} or runs there` };
  }

  /** The trigger deleted, the autoscaler removes the node it added. */
  async scaleDown(c: CaseHandle): Promise<void> {
    const { s, env } = this;
    const added = this.added!;
    const delay = env.choice.emptyNodeDelayMs;
    // An empty-node delay of never (consolidateAfter: Never, --scale-down-enabled=false) keeps nodes too.
    const keeps = env.choice.keepsNodes ?? (delay === Infinity ? env.choice.delaySource : undefined);
    if (keeps) return c.notRun('control-failed', `the pool is configured never to remove an empty node (${keeps})`, 'prove on a pool that scales down, or change that setting');
    const timeoutMs = s.settings['autoscaler.scaleDownTimeout'] ?? (delay !== undefined ? delay + SCALE_DOWN_SLACK_MS : DEFAULT_SCALE_DOWN_MS);
    await s.remove({ apiVersion: 'v1', kind: 'Pod', name: TRIGGER }, { wait: true });
    const deleted = Date.now();
    this.note(`trigger: ${TRIGGER} deleted; waiting up to ${timeoutMs / 1000}s for ${added.name} to go${env.choice.delaySource ? ` (${env.choice.delaySource})` : ''}`);
    const gone = await s.waitFor(
      { apiVersion: 'v1', kind: 'Node', fieldSelector: `metadata.name=${added.name}` },
      `node ${added.name} to be removed`,
      (m) => ([...m.values()].some((n) => n.metadata?.uid === added.uid) ? undefined : true),
      {
        timeoutMs,
        describe: (m) => {
          const n = only<V1Node>(m, added.name);
          return n ? `still there (taints: ${(n.spec?.taints ?? []).map((t) => t.key).join(', ') || 'none'}${n.metadata?.deletionTimestamp ? ', being deleted' : ''})` : 'gone';
        },
      },
    );
    await this.recordAutoscaler();
    if (!gone.ok) {
      const tenants = await this.tenantsOn(added.name);
      if (tenants.length) return c.notRun('control-failed', `other workloads' pods run on ${added.name} (${tenants.slice(0, 5).join(', ')}): the autoscaler rightly keeps a node in use`, 'run when no other workload can land on the pool');
      const said = [...(await this.eventsFor('Node', added.name)), ...(env.choice.karpenter ? await this.eventsFor('NodePool', env.choice.karpenter.nodePool) : [])].map(eventText);
      return c.fail(`${added.name}, added for the trigger, is removed within ${timeoutMs / 1000}s of the trigger's deletion`, `${gone.message}; no pod of another workload on it; the autoscaler said: ${said.length ? said.slice(-4).join(' | ') : 'nothing'}`);
    }
    this.removed = true;
    this.note(`scale-down: node ${added.name} (uid ${added.uid}) removed ${secs(gone.at - deleted)} after the trigger was deleted`);
    c.pass(`${added.name} (uid ${added.uid}) was removed ${secs(gone.at - deleted)} after ${TRIGGER} was deleted`);
  }

  /** No node added and none of the held baseline removed, for the stable window. */
  async baselineHeld(c: CaseHandle): Promise<void> {
    const { s } = this;
    const windowMs = s.settings['autoscaler.stableWindow'];
    const base = new Set(this.baseline.map((n) => n.uid));
    let seen: { extra: string[]; missing: NodeId[] } = { extra: [], missing: [] };
    const start = Date.now();
    const held = await s.holdsFor(
      { apiVersion: 'v1', kind: 'Node', labelSelector: poolText(this.pool) },
      `the pool ${poolText(this.pool)} at its baseline`,
      (m) => {
        const now = [...m.values()];
        seen = { extra: now.filter((n) => !base.has(n.metadata!.uid!)).map((n) => n.metadata!.name!), missing: this.baseline.filter((b) => !now.some((n) => n.metadata!.uid === b.uid)) };
        return seen.extra.length || seen.missing.length ? [seen.extra.length ? `added ${seen.extra.join(', ')}` : '', seen.missing.length ? `removed ${seen.missing.map((b) => b.name).join(', ')}` : ''].filter(Boolean).join('; ') : undefined;
      },
      windowMs,
    );
    if (!held.held) {
      this.note(`baseline: changed: ${held.violation}`);
      const expected = `the pool ${poolText(this.pool)} stays at its ${this.baseline.length} baseline node(s) for ${windowMs / 1000}s once the added node is gone`;
      // A node added for someone else, or removed while kaic held nothing on it, is not the autoscaler undoing kaic's proof.
      const waiting = await this.foreignPending();
      const others = (await Promise.all(seen.extra.map(async (n) => ((await this.tenantsOn(n)).length ? n : undefined)))).filter(Boolean);
      if (seen.extra.length && (waiting.length || others.length)) return c.notRun('control-failed', `the pool grew (${held.violation}) while other tenants' pods wait for ${this.env.resource} or run there (${[...waiting, ...others].slice(0, 5).join(', ')}): the node may be theirs`, 'run when no other workload uses the pool');
      const heldGone = seen.missing.filter((b) => this.held.has(b.uid));
      const otherGone = seen.missing.filter((b) => !this.held.has(b.uid));
      if (!seen.extra.length && !heldGone.length) return c.notRun('control-failed', `${otherGone.map((b) => b.name).join(', ')} left the pool, but kaic held nothing on ${otherGone.length > 1 ? 'them' : 'it'} (cordoned, or no free accelerator): the autoscaler may rightly remove ${otherGone.length > 1 ? 'them' : 'it'} once empty`, 'run when the pool is idle');
      return c.fail(expected, `${[seen.extra.length ? `added ${seen.extra.join(', ')}` : '', heldGone.length ? `removed ${heldGone.map((b) => b.name).join(', ')}, though kaic's pod and PodDisruptionBudget held ${heldGone.length > 1 ? 'them' : 'it'}` : ''].filter(Boolean).join('; ')}, ${secs(held.at - start)} into the window`);
    }
    this.note(`baseline: held for ${windowMs / 1000}s`);
    c.pass(`the pool stayed at its ${this.baseline.length} baseline node(s)${this.baseline.length ? ` (${this.baseline.map((n) => n.name).join(', ')})` : ''} for ${windowMs / 1000}s: none added, none removed`);
  }

  private inBaseline(n: V1Node): boolean {
    // By uid: a new node may take the name of one that went (providers reuse host names).
    return this.baseline.some((b) => b.uid === n.metadata?.uid);
  }

  /** Events about one object (a pod of kaic's namespace, a node, a NodePool), oldest first. */
  private async eventsFor(kind: 'Pod' | 'Node' | 'NodePool', name: string): Promise<Event[]> {
    const events = await this.s.list<Event>({ apiVersion: 'v1', kind: 'Event', ...(kind === 'Pod' ? {} : { namespace: '' }), fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
    return events.sort((a, b) => eventText(a).localeCompare(eventText(b)));
  }

  /** The autoscaler's own records, for the evidence: Karpenter's NodePool and NodeClaims, the Cluster Autoscaler's status. */
  private async recordAutoscaler(): Promise<void> {
    const { s, env } = this;
    if (env.choice.karpenter) {
      const { apiVersion, nodePool } = env.choice.karpenter;
      const np = await s.get({ apiVersion, kind: 'NodePool', name: nodePool });
      const claims = await s.list({ apiVersion, kind: 'NodeClaim', namespace: '', labelSelector: `${KARPENTER_POOL_LABEL}=${nodePool}` });
      s.evidence('nodepool.json', JSON.stringify({ spec: np?.spec, status: np?.status }, null, 2));
      // Every NodeClaim seen during the run, as last seen (the added one is gone after ScaleDown).
      for (const x of claims) {
        const st = (x.status ?? {}) as { nodeName?: string; providerID?: string; conditions?: unknown };
        this.claims.set(x.metadata!.name!, { name: x.metadata?.name, created: x.metadata?.creationTimestamp, deleting: x.metadata?.deletionTimestamp, node: st.nodeName, providerID: st.providerID, conditions: st.conditions, seenAt: new Date().toISOString() });
      }
      s.evidence('nodeclaims.json', JSON.stringify([...this.claims.values()], null, 2));
    }
    if (env.choice.kind === 'cluster-autoscaler') {
      const status = await s.get<{ data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cluster-autoscaler-status', namespace: 'kube-system' });
      if (status?.data) s.evidence('cluster-autoscaler-status.txt', Object.values(status.data).join('\n'));
    }
  }
}
