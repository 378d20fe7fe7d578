import type { V1Pod } from '@kubernetes/client-node';
import type { CheckScope, ClusterFacts } from '../api.js';
import { podScheduled } from '../support/pods.js';
import { kueueSolver } from './gang-kueue.js';
import { volcanoSolver } from './gang-volcano.js';

/**
 * Gang schedulers kaic recognises. `detect` reads discovery only. A solver kaic can prove has
 * `prepare` (what it needs before a gang: Kueue's queues) and `submit` (creates one gang of member
 * pods and returns how to read the solver's own word on it). The proof itself (gang-scheduling.ts)
 * is the same for every solver.
 */
export interface GangSolver {
  readonly name: string;
  readonly title: string;
  detect(cluster: ClusterFacts): boolean;
  /** Readies the solver for the gangs of one case; a reason (NOT-RUN) when it cannot. */
  prepare?(s: CheckScope, setup: GangSetup): Promise<{ ok: true; log: string } | { ok: false; detail: string; remedy: string }>;
  submit?(s: CheckScope, gang: GangSpec): Promise<SubmittedGang>;
  /** For native gangs a lone pod outside any gang is the control; for a queue, a one-member gang through it. */
  readonly controlThroughSolver?: boolean;
}

/** What a case asks of the solver's set-up. */
export interface GangSetup {
  /** The case's name (cluster-scoped objects are named after the run's namespace and it). */
  readonly name: string;
  /** The resource each member requests, and how much of it the solver may admit in all. */
  readonly resource: string;
  readonly quota: string;
}

export interface GangSpec {
  readonly group: string;
  readonly members: number;
  /** The member pod's spec (restricted, pinned, with its request): every member is the same. */
  readonly podSpec: Record<string, unknown>;
  readonly setup: GangSetup;
}

export type GangWord =
  /** The solver says it holds this gang back as a gang (quota, minMember). */
  | { readonly kind: 'held'; readonly text: string }
  /** It took the gang (admitted, bound as a group). */
  | { readonly kind: 'taken'; readonly text: string }
  /** It said something any scheduler says ("Insufficient nvidia.com/gpu"). */
  | { readonly kind: 'generic'; readonly text: string }
  /** It never looked at the gang. */
  | { readonly kind: 'unseen'; readonly text: string };

export interface SubmittedGang {
  /** Label selector of the member pods in the run's namespace (they may not exist yet). */
  readonly selector: string;
  /** The solver's own word on the gang, read now. */
  word(pods: readonly V1Pod[]): Promise<GangWord>;
  /** Objects worth keeping as evidence (the solver's records), as name → content. */
  evidence(): Promise<Record<string, string>>;
  /** Why the solver did not take the gang in at all (its webhook let it pass), read at creation. */
  readonly notTaken?: string;
  /** For an admitted gang: why the solver's accounting cannot be trusted for `resource` (it did not count it). */
  accounting?(resource: string, amount: string): Promise<string | undefined>;
  /** Removes the gang and waits until its pods are gone (the control's capacity is free again). */
  remove(): Promise<void>;
}

const servesGroup = (c: ClusterFacts, group: string, plural: string) => c.servedVersions(group).some((v) => c.serves(`${group}/${v}`, plural));

/** The native gang plugin names the group or its minimum; "Insufficient <resource>" alone is any scheduler. */
export const nativeGangReason = (_reason: string, message: string) => /pod group is unschedulable|minCount \(\d+\) cannot be satisfied/i.test(message);

const native: GangSolver = {
  name: 'native',
  title: 'Kubernetes native gang scheduling (Workload API: PodGroup with a gang policy)',
  detect: (c) => c.serves('scheduling.k8s.io/v1beta1', 'podgroups'),
  async prepare() {
    return { ok: true, log: 'native gangs need no set-up' };
  },
  async submit(s, g) {
    await s.apply({ apiVersion: 'scheduling.k8s.io/v1beta1', kind: 'PodGroup', metadata: { name: g.group }, spec: { schedulingPolicy: { gang: { minCount: g.members } } } });
    for (let i = 0; i < g.members; i++) {
      await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${g.group}-${i}`, labels: { 'kaic.dev/gang': g.group } }, spec: { ...g.podSpec, schedulingGroup: { podGroupName: g.group } } });
    }
    return {
      selector: `kaic.dev/gang=${g.group}`,
      async word(pods) {
        const verdicts = pods.map(podScheduled).filter((x) => x && x.status === 'False');
        const own = verdicts.find((x) => nativeGangReason(x!.reason ?? '', x!.message ?? ''));
        if (own) return { kind: 'held', text: `scheduler: "${own.message}"` };
        if (pods.length && pods.every((p) => p.spec?.nodeName)) return { kind: 'taken', text: 'every member bound' };
        if (verdicts.length) return { kind: 'generic', text: `${verdicts[0]!.reason}: ${verdicts[0]!.message}` };
        return { kind: 'unseen', text: `no pod of gang ${g.group} was ever considered by a scheduler (no PodScheduled condition)` };
      },
      async evidence() {
        const pg = await s.get({ apiVersion: 'scheduling.k8s.io/v1beta1', kind: 'PodGroup', name: g.group });
        return pg ? { [`${g.group}-podgroup.json`]: JSON.stringify(pg, null, 2) } : {};
      },
      async remove() {
        for (let i = 0; i < g.members; i++) await s.remove({ apiVersion: 'v1', kind: 'Pod', name: `${g.group}-${i}` }, { wait: true });
        await s.remove({ apiVersion: 'scheduling.k8s.io/v1beta1', kind: 'PodGroup', name: g.group }, { wait: true });
      },
    };
  },
};

export const GANG_SOLVERS: readonly GangSolver[] = [
  // Kueue first: a platform that installed it declared it its gang solution (and it is upstream's).
  kueueSolver,
  // Volcano before native: a cluster that runs it chose it, whatever its Kubernetes serves.
  volcanoSolver,
  native,
  { name: 'kai', title: 'KAI scheduler', detect: (c) => servesGroup(c, 'scheduling.run.ai', 'podgroups') },
  { name: 'coscheduling', title: 'scheduler-plugins coscheduling', detect: (c) => servesGroup(c, 'scheduling.x-k8s.io', 'podgroups') },
];
