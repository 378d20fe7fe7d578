import type { V1Pod } from '@kubernetes/client-node';
import { listObjects } from '../cluster/api.js';
import { isReady, serves, verbsOf, type ClusterView } from '../cluster/view.js';
import { tolerationsForNodes, type AcceleratorProfile } from './profiles/accelerators.js';
import { defineCheck, type Discovery } from './types.js';

const GV = 'resource.k8s.io/v1';
const KINDS = ['deviceclasses', 'resourceclaims', 'resourceclaimtemplates', 'resourceslices'] as const;
const NEEDED_VERBS = ['create', 'delete', 'get', 'list', 'watch'];

interface Slice {
  metadata: { name: string };
  spec: { driver: string; nodeName?: string; allNodes?: boolean; pool: { name: string; generation: number; resourceSliceCount: number }; devices?: { name: string }[] };
}
interface DeviceClassObj {
  metadata: { name: string };
  spec?: { selectors?: { cel?: { expression?: string } }[] };
}

interface Env {
  readonly profile: AcceleratorProfile;
  readonly served: boolean;
  readonly missingVerbs: string[];
  readonly classes: string[];
  readonly deviceClass?: string;
  readonly driver?: string;
  readonly slices: Slice[];
  readonly readyNodes: Set<string>;
  readonly tolerations: { key: string; operator: string }[];
}

/** `device.driver == "gpu.nvidia.com"` → gpu.nvidia.com; the class name itself by convention otherwise. */
export function driverOf(cls: DeviceClassObj): string {
  for (const s of cls.spec?.selectors ?? []) {
    const m = /device\.driver\s*==\s*["']([^"']+)["']/.exec(s.cel?.expression ?? '');
    if (m) return m[1]!;
  }
  return cls.metadata.name;
}

/**
 * Pools the scheduler can use: all slices of the newest generation present (resourceSliceCount of
 * them), on a Ready node (or not node-local), with at least one device.
 */
export function completePools(slices: readonly Slice[], driver: string, readyNodes: ReadonlySet<string>) {
  const pools = new Map<string, Slice[]>();
  for (const s of slices.filter((x) => x.spec.driver === driver)) pools.set(s.spec.pool.name, [...(pools.get(s.spec.pool.name) ?? []), s]);
  const complete: { pool: string; node?: string; devices: number }[] = [];
  const incomplete: string[] = [];
  for (const [pool, list] of pools) {
    const gen = Math.max(...list.map((s) => s.spec.pool.generation));
    const current = list.filter((s) => s.spec.pool.generation === gen);
    const want = current[0]!.spec.pool.resourceSliceCount;
    const devices = current.reduce((n, s) => n + (s.spec.devices?.length ?? 0), 0);
    const node = current[0]!.spec.nodeName;
    if (current.length === want && devices > 0 && (!node || readyNodes.has(node))) complete.push({ pool, node, devices });
    else incomplete.push(`${pool} (${current.length}/${want} slices of generation ${gen}, ${devices} devices${node && !readyNodes.has(node) ? `, node ${node} not Ready` : ''})`);
  }
  return { complete, incomplete };
}

export default defineCheck<Env>({
  id: 'dra_support',
  testName: 'TestDRASupport',
  cases: ['APIServed', 'DeviceClassPresent', 'CompleteResourceSlices', 'ClaimAllocatedAndReserved'],

  async discover(view: ClusterView, options): Promise<Discovery<Env>> {
    const served = KINDS.every((k) => serves(view, GV, k));
    const missingVerbs = served ? KINDS.flatMap((k) => NEEDED_VERBS.filter((v) => !verbsOf(view, GV, k).includes(v)).map((v) => `${k}:${v}`)) : [];
    const readyNodes = new Set(view.nodes.filter(isReady).map((n) => n.metadata!.name!));
    if (!served) return { ready: true, env: { profile: options.accelerator, served, missingVerbs, classes: [], slices: [], readyNodes, tolerations: [] }, found: { api: `${GV} not served` } };
    const classes = await listObjects<DeviceClassObj>(view.kc, 'DeviceClass');
    const wanted = options.accelerator.deviceClass;
    const cls = classes.find((c) => c.metadata.name === wanted);
    const slices = await listObjects<Slice>(view.kc, 'ResourceSlice');
    return {
      ready: true,
      env: { profile: options.accelerator, served, missingVerbs, classes: classes.map((c) => c.metadata.name), deviceClass: cls?.metadata.name, driver: cls ? driverOf(cls) : undefined, slices, readyNodes, tolerations: tolerationsForNodes(view, slices.filter((x) => cls && x.spec.driver === driverOf(cls)).map((x) => x.spec.nodeName ?? ''), options.accelerator) },
      found: { api: GV, deviceClass: cls?.metadata.name ?? 'none', driver: cls ? driverOf(cls) : 'none', resourceSlices: String(slices.length) },
    };
  },

  async prove(env, s) {
    await s.case('APIServed', async (c) => {
      if (!env.served) return c.fail(`${GV} serving ${KINDS.join(', ')}`, `${GV} is not served (the API group or version is switched off)`);
      if (env.missingVerbs.length) return c.fail(`${NEEDED_VERBS.join('/')} on each DRA resource`, `missing verbs: ${env.missingVerbs.join(', ')}`);
      c.pass(`${GV} serves DeviceClass, ResourceClaim, ResourceClaimTemplate and ResourceSlice with ${NEEDED_VERBS.join(', ')}`);
    });
    const notServed = (c: { notRun: (r: 'missing-component', d: string, rem?: string) => void }) => c.notRun('missing-component', `${GV} is not served`, 'enable the resource.k8s.io/v1 API (Kubernetes >= 1.34 serves it by default)');
    await s.case('DeviceClassPresent', async (c) => {
      if (!env.served) return notServed(c);
      if (!env.deviceClass) return c.fail(`a DeviceClass ${env.profile.deviceClass ?? ''} for the ${env.profile.name} accelerator`, env.classes.length ? `DeviceClasses present: ${env.classes.join(', ')}` : 'no DeviceClass at all (no DRA driver installed?)');
      c.pass(`DeviceClass ${env.deviceClass} selects driver ${env.driver}`);
    });
    await s.case('CompleteResourceSlices', async (c) => {
      if (!env.served) return notServed(c);
      if (!env.driver) return c.notRun('missing-component', 'no DeviceClass for the accelerator, so no driver to look for', `install the ${env.profile.name} DRA driver, or pass --accelerator dra:<deviceClass>`);
      const { complete, incomplete } = completePools(env.slices, env.driver, env.readyNodes);
      if (complete.length === 0) return c.fail(`at least one complete ResourceSlice pool from driver ${env.driver} on a Ready node`, incomplete.length ? `incomplete pools: ${incomplete.join('; ')}` : `no ResourceSlice from driver ${env.driver} (the driver publishes nothing)`);
      c.pass(`${complete.length} complete pool(s) from ${env.driver}: ${complete.map((p) => `${p.pool}${p.node ? `@${p.node}` : ''} (${p.devices} devices)`).join(', ')}${incomplete.length ? `; incomplete: ${incomplete.join('; ')}` : ''}`);
    });
    await s.case('ClaimAllocatedAndReserved', async (c) => {
      if (!env.served) return notServed(c);
      if (!env.deviceClass || !env.driver) return c.notRun('missing-component', 'no DeviceClass for the accelerator to claim from');
      await s.create('ResourceClaimTemplate', { metadata: { name: 'one-device', namespace: s.namespace }, spec: { spec: { devices: { requests: [{ name: 'dev', exactly: { deviceClassName: env.deviceClass } }] } } } } as never);
      await s.create('Pod', {
        metadata: { name: 'dra-claimant', namespace: s.namespace },
        spec: {
          tolerations: env.tolerations,
          resourceClaims: [{ name: 'dev', resourceClaimTemplateName: 'one-device' }],
          containers: [{ name: 'main', image: s.options.images.pause, resources: { claims: [{ name: 'dev' }] }, securityContext: restricted() }],
          securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        },
      } as never);
      let pod: V1Pod;
      try {
        pod = await s.waitFor({ path: `/api/v1/namespaces/${s.namespace}/pods`, fieldSelector: 'metadata.name=dra-claimant' }, 'pod dra-claimant to be bound and running', (m) => {
          const p = m.values().next().value as V1Pod | undefined;
          return p?.spec?.nodeName && p.status?.phase === 'Running' && p.status.resourceClaimStatuses?.[0]?.resourceClaimName ? p : undefined;
        }, 120_000, describePod);
      } catch (e) {
        return c.fail('the scheduler allocates a device and binds the pod; the pod runs', (e as Error).message);
      }
      const claimName = pod.status!.resourceClaimStatuses![0]!.resourceClaimName!;
      const claim = (await listObjects<{ metadata: { name: string }; status?: { allocation?: { devices?: { results?: { driver: string; pool: string; device: string }[] } }; reservedFor?: { name: string; uid: string }[] } }>(s.kc, 'ResourceClaim', { namespace: s.namespace })).find((x) => x.metadata.name === claimName);
      const result = claim?.status?.allocation?.devices?.results?.[0];
      if (!result) return c.fail(`claim ${claimName} allocated`, 'the claim has no allocation');
      const reserved = claim.status?.reservedFor?.some((r) => r.uid === pod.metadata!.uid);
      if (!reserved) return c.fail(`claim ${claimName} reserved for pod dra-claimant`, `reservedFor: ${JSON.stringify(claim.status?.reservedFor ?? [])}`);
      const slice = env.slices.find((x) => x.spec.driver === result.driver && x.spec.pool.name === result.pool && x.spec.devices?.some((d) => d.name === result.device));
      if (slice?.spec.nodeName && slice.spec.nodeName !== pod.spec!.nodeName) return c.fail(`a device from the node the pod runs on (${pod.spec!.nodeName})`, `device ${result.pool}/${result.device} is published for node ${slice.spec.nodeName}`);
      c.pass(`claim ${claimName} allocated ${result.driver}/${result.pool}/${result.device} and reserved for pod dra-claimant, which runs on ${pod.spec!.nodeName}`);
    });
  },

  procedure(env) {
    const cls = env.deviceClass ?? env.profile.deviceClass ?? '<deviceClass>';
    return [
      'kubectl api-resources --api-group=resource.k8s.io -o wide',
      `kubectl get deviceclass ${cls} -o yaml`,
      'kubectl get resourceslices -o wide',
      `kubectl -n $NS apply -f - <<'EOF'\napiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\nmetadata: {name: one-device}\nspec: {spec: {devices: {requests: [{name: dev, exactly: {deviceClassName: ${cls}}}]}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: dra-claimant}\nspec:\n  tolerations: ${JSON.stringify(env.tolerations)}\n  resourceClaims: [{name: dev, resourceClaimTemplateName: one-device}]\n  containers: [{name: main, image: registry.k8s.io/pause:3.10, resources: {claims: [{name: dev}]}}]\nEOF`,
      'kubectl -n $NS wait --for=condition=Ready pod/dra-claimant --timeout=120s',
      "kubectl -n $NS get resourceclaims -o jsonpath='{range .items[*]}{.metadata.name}{\" \"}{.status.allocation.devices.results}{\" reservedFor=\"}{.status.reservedFor}{\"\\n\"}{end}'",
    ];
  },
});

export const restricted = () => ({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });

export function describePod(m: ReadonlyMap<string, unknown>): string {
  const p = m.values().next().value as V1Pod | undefined;
  if (!p) return 'no pod';
  const sched = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return `phase ${p.status?.phase ?? '?'}, node ${p.spec?.nodeName ?? 'none'}${sched && sched.status !== 'True' ? `, PodScheduled=${sched.status} ${sched.reason ?? ''}: ${sched.message ?? ''}` : ''}`;
}
