/**
 * The least a kaic run needs: read what discovery reads, create and delete what checks create (in
 * the run namespaces), and ask whether it may. `kaic rbac` prints it as a ClusterRole; a test runs
 * kaic as a user holding only this role.
 */
export const RBAC_RULES = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['pods/log', 'events'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: ['resource.k8s.io'], resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['resource.k8s.io'], resources: ['resourceclaims', 'resourceclaimtemplates'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: ['scheduling.k8s.io'], resources: ['podgroups', 'workloads'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
] as const;

export function clusterRoleYaml(name = 'kaic-runner'): string {
  const rules = RBAC_RULES.map((r) => `- apiGroups: [${r.apiGroups.map((g) => JSON.stringify(g)).join(', ')}]\n  resources: [${r.resources.join(', ')}]\n  verbs: [${r.verbs.join(', ')}]`).join('\n');
  return `# The permissions a kaic run needs (kaic rbac). Bind it to the identity that runs kaic:\n#   kubectl create clusterrolebinding ${name} --clusterrole=${name} --user=<user>\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\n  labels:\n    app.kubernetes.io/managed-by: kaic\nrules:\n${rules}\n`;
}
