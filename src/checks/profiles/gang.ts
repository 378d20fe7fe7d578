import type { CheckScope, ClusterFacts } from '../api.js';

/**
 * Gang schedulers kaic recognises. `detect` reads discovery only; `makeGang` (where kaic can prove
 * the solver) creates the group object and returns how member pods join it; `gangReason` tells a
 * member held back by the gang from one that merely does not fit.
 */
export interface GangSolver {
  readonly name: string;
  readonly title: string;
  detect(cluster: ClusterFacts): boolean;
  makeGang?(s: CheckScope, group: string, members: number): Promise<{ podFields: Record<string, unknown>; labels?: Record<string, string>; annotations?: Record<string, string> }>;
  /** True when a Pending member's PodScheduled message is the gang's own verdict. */
  gangReason?(reason: string, message: string): boolean;
}

const servesGroup = (c: ClusterFacts, group: string, plural: string) => c.servedVersions(group).some((v) => c.serves(`${group}/${v}`, plural));

export const GANG_SOLVERS: readonly GangSolver[] = [
  {
    name: 'native',
    title: 'Kubernetes native gang scheduling (Workload API: PodGroup with a gang policy)',
    detect: (c) => c.serves('scheduling.k8s.io/v1beta1', 'podgroups'),
    async makeGang(s, group, members) {
      await s.apply({ apiVersion: 'scheduling.k8s.io/v1beta1', kind: 'PodGroup', metadata: { name: group }, spec: { schedulingPolicy: { gang: { minCount: members } } } });
      return { podFields: { schedulingGroup: { podGroupName: group } } };
    },
    // The scheduler's gang plugin names the group or its minimum; "Insufficient <resource>" alone is
    // what any scheduler says about a pod that does not fit.
    gangReason: (_reason, message) => /pod group is unschedulable|minCount \(\d+\) cannot be satisfied/i.test(message),
  },
  { name: 'kueue', title: 'Kueue (all-or-nothing admission)', detect: (c) => servesGroup(c, 'kueue.x-k8s.io', 'workloads') },
  { name: 'volcano', title: 'Volcano', detect: (c) => servesGroup(c, 'scheduling.volcano.sh', 'podgroups') },
  { name: 'kai', title: 'KAI scheduler', detect: (c) => servesGroup(c, 'scheduling.run.ai', 'podgroups') },
  { name: 'coscheduling', title: 'scheduler-plugins coscheduling', detect: (c) => servesGroup(c, 'scheduling.x-k8s.io', 'podgroups') },
];
