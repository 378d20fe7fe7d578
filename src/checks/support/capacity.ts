import type { V1Pod } from '@kubernetes/client-node';
import type { CheckScope } from '../api.js';
import { parseQuantity } from './quantity.js';

/**
 * How much of `resource` the unfinished pods on a node hold (requests, else limits, as the scheduler
 * counts them): every tenant's pods, not only kaic's. A consistent read, never `resourceVersion=0`:
 * the case before may have just removed its pods, and a lagging watch cache would still count them
 * (a filler sized short, a negative's claimant bound). From v1.31 the API server serves consistent
 * lists from its watch cache too, once that has caught up, so this costs no etcd scan.
 */
export async function usedOnNode(s: CheckScope, node: string, resource: string): Promise<number> {
  const pods = await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', namespace: '', fieldSelector: `spec.nodeName=${node}` });
  return pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').reduce((n, p) => n + podRequest(p, resource), 0);
}

/** How much of `resource` a pod's containers ask for (requests, else limits, as the scheduler counts them). */
export const podRequest = (p: V1Pod, resource: string): number =>
  (p.spec?.containers ?? []).reduce((m, ct) => m + (parseQuantity((ct.resources?.requests?.[resource] ?? ct.resources?.limits?.[resource]) as string | undefined) ?? 0), 0);
