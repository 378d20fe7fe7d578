import type { V1Node } from '@kubernetes/client-node';
import type { ClusterFacts } from '../api.js';

export const isReadyNode = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const nodeName = (n: V1Node) => n.metadata!.name!;

/** Ready, schedulable Linux nodes where containers really run (not kwok): where a workload can be proven. */
export const realNodes = (cluster: ClusterFacts): V1Node[] =>
  cluster.nodes.filter((n) => isReadyNode(n) && !n.spec?.unschedulable && !cluster.isSimulated(nodeName(n)) && n.metadata?.labels?.['kubernetes.io/os'] !== 'windows');

/**
 * Tolerations (operator Exists) for every NoSchedule/NoExecute taint the named nodes carry, plus
 * `extraKeys`, sorted: kaic's pods must land on the nodes it picked whatever taint keeps others off.
 */
export function tolerationsFor(nodes: readonly V1Node[], names: Iterable<string>, extraKeys: Iterable<string> = []): { key: string; operator: string }[] {
  const wanted = new Set(names);
  const keys = new Set(extraKeys);
  for (const n of nodes) if (wanted.has(n.metadata?.name ?? '')) for (const t of n.spec?.taints ?? []) if (t.effect !== 'PreferNoSchedule') keys.add(t.key);
  return [...keys].sort().map((key) => ({ key, operator: 'Exists' }));
}
