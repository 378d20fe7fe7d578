import type { V1Pod } from '@kubernetes/client-node';
import { serves, type ClusterView } from '../../cluster/view.js';
import type { CheckScope } from '../types.js';

/**
 * Gang schedulers kaic recognises. `detect` reads discovery only; `makeGang` (where kaic can prove
 * the solver) creates the group object and returns how member pods join it.
 */
export interface GangSolver {
  readonly name: string;
  readonly title: string;
  detect(view: ClusterView): boolean;
  /** Creates whatever groups `members` pods; returns the pod-spec fragment each member carries. */
  makeGang?(s: CheckScope, group: string, members: number): Promise<{ podFields: Record<string, unknown>; labels?: Record<string, string>; annotations?: Record<string, string>; schedulerName?: string }>;
  readonly procedure?: (group: string, members: number) => string;
}

export const GANG_SOLVERS: readonly GangSolver[] = [
  {
    name: 'native',
    title: 'Kubernetes native gang scheduling (Workload API: PodGroup with a gang policy)',
    detect: (v) => serves(v, 'scheduling.k8s.io/v1beta1', 'podgroups'),
    async makeGang(s, group, members) {
      await s.create('PodGroup', { metadata: { name: group, namespace: s.namespace }, spec: { schedulingPolicy: { gang: { minCount: members } } } } as never);
      return { podFields: { schedulingGroup: { podGroupName: group } } };
    },
    procedure: (group, members) => `kubectl -n $NS apply -f - <<'EOF'\napiVersion: scheduling.k8s.io/v1beta1\nkind: PodGroup\nmetadata: {name: ${group}}\nspec: {schedulingPolicy: {gang: {minCount: ${members}}}}\nEOF\n# each member pod: spec.schedulingGroup.podGroupName: ${group}`,
  },
  { name: 'kueue', title: 'Kueue (all-or-nothing admission)', detect: (v) => [...v.resources.keys()].some((gv) => gv.startsWith('kueue.x-k8s.io/')) },
  { name: 'volcano', title: 'Volcano', detect: (v) => [...v.resources.keys()].some((gv) => gv.startsWith('scheduling.volcano.sh/')) },
  { name: 'kai', title: 'KAI scheduler', detect: (v) => [...v.resources.keys()].some((gv) => gv.startsWith('scheduling.run.ai/')) },
  { name: 'coscheduling', title: 'scheduler-plugins coscheduling', detect: (v) => [...v.resources.keys()].some((gv) => gv.startsWith('scheduling.x-k8s.io/')) },
];

export const boundPods = (m: ReadonlyMap<string, unknown>) => ([...m.values()] as V1Pod[]).filter((p) => p.spec?.nodeName);
