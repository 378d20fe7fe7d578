import { defineCommand } from 'citty';
import { clusterRoleYaml } from '../../run/rbac.js';

export default defineCommand({
  meta: { name: 'rbac', description: 'Print the ClusterRole a kaic run needs (least privilege)' },
  args: { name: { type: 'string', default: 'kaic-runner', description: 'ClusterRole name' } },
  run({ args }) {
    process.stdout.write(clusterRoleYaml(args.name));
    return 0;
  },
});
