import type { V1Pod } from '@kubernetes/client-node';

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

/** Node affinity that keeps a pod on the given nodes (the check's leased capacity). */
export const onNodes = (nodes: readonly string[]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [...nodes] }] }] } },
});

export const podsOf = (m: ReadonlyMap<string, unknown>) => [...m.values()] as V1Pod[];
