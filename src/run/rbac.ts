import type { Check, Uses } from '../checks/api.js';
import { CHECKS } from '../checks/registry.js';

/** What every run does whatever the checks: discovery, nodes, run namespaces, the leak sweep. */
const RUN_RULES: readonly Uses[] = [
  { group: '', resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
  { group: '', resources: ['namespaces'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { group: '', resources: ['serviceaccounts'], verbs: ['get', 'list', 'watch'] },
  // The run's no-preemption PriorityClass.
  { group: 'scheduling.k8s.io', resources: ['priorityclasses'], verbs: ['get', 'list', 'create', 'delete'] },
];

/**
 * The least a kaic run needs, derived from what each check declares it uses, so a new check cannot
 * forget its permissions. `kaic rbac` prints it as a ClusterRole; a test runs kaic holding only it.
 */
export function rbacRules(checks: Iterable<Check> = CHECKS.values()): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const merged = new Map<string, Set<string>>();
  for (const u of [...RUN_RULES, ...[...checks].flatMap((c) => c.uses)]) {
    for (const r of u.resources) {
      const key = `${u.group}\u0000${r}`;
      const set = merged.get(key) ?? new Set<string>();
      for (const v of u.verbs) set.add(v);
      merged.set(key, set);
    }
  }
  // Group resources with the same verbs in one rule, in a stable order.
  const rules = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const [key, verbs] of [...merged].sort(([a], [b]) => a.localeCompare(b))) {
    const [group, resource] = key.split('\u0000') as [string, string];
    const v = [...verbs].sort();
    const id = `${group}\u0000${v.join(',')}`;
    const rule = rules.get(id) ?? { apiGroups: [group], resources: [], verbs: v };
    rule.resources.push(resource);
    rules.set(id, rule);
  }
  return [...rules.values()];
}

export function clusterRoleYaml(name = 'kaic-runner'): string {
  const rules = rbacRules().map((r) => `- apiGroups: [${r.apiGroups.map((g) => JSON.stringify(g)).join(', ')}]\n  resources: [${r.resources.join(', ')}]\n  verbs: [${r.verbs.join(', ')}]`).join('\n');
  return `# The permissions a kaic run needs (kaic rbac), derived from what each check declares. Bind it:\n#   kubectl create clusterrolebinding ${name} --clusterrole=${name} --user=<user>\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\n  labels:\n    app.kubernetes.io/managed-by: kaic\nrules:\n${rules}\n`;
}
