import type { V1Pod } from '@kubernetes/client-node';
import type { CheckScope } from '../api.js';

/** A container security context that meets the restricted Pod Security Standard. */
export const restricted = () => ({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });

/** A pod spec that meets the restricted standard (run namespaces enforce it). */
export function restrictedPod(spec: { containers: Record<string, unknown>[]; [k: string]: unknown }): Record<string, unknown> {
  return {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 1,
    ...spec,
    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' }, ...(spec.securityContext as object | undefined) },
    containers: spec.containers.map((c) => ({ imagePullPolicy: 'IfNotPresent', ...c, securityContext: { ...restricted(), ...(c.securityContext as object | undefined) } })),
  };
}

export const boundPods = (m: ReadonlyMap<string, unknown>) => ([...m.values()] as V1Pod[]).filter((p) => p.spec?.nodeName);

/**
 * Node affinity that keeps a pod on the given nodes (the check's leased capacity), by node name:
 * the `kubernetes.io/hostname` label is not always the name (cloud nodes named after their DNS).
 */
export const onNodes = (nodes: readonly string[]) => ({
  // A field selector takes one value per term; terms are ORed.
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: nodes.map((n) => ({ matchFields: [{ key: 'metadata.name', operator: 'In', values: [n] }] })) } },
});

export const podsOf = (m: ReadonlyMap<string, unknown>) => [...m.values()] as V1Pod[];

/** Running and Ready: a pod that serves. */
export const isServingPod = (p: V1Pod) => p.status?.phase === 'Running' && (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** `{app: x, tier: y}` → `app=x,tier=y`, for a label selector query. */
export const labelSelector = (labels: Readonly<Record<string, string>>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');

/** A pod's PodScheduled condition, the scheduler's word on it. */
export const podScheduled = (p: V1Pod | undefined) => p?.status?.conditions?.find((x) => x.type === 'PodScheduled');

/** The scheduler's own "cannot place this pod", or undefined when it never said so. */
export async function schedulerRefused(s: CheckScope, pod: string): Promise<string | undefined> {
  const p = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: pod });
  const cond = podScheduled(p);
  return cond?.status === 'False' && cond.reason === 'Unschedulable' ? cond.message ?? 'Unschedulable' : undefined;
}
