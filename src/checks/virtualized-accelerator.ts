import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { defineCheck, type KObject } from './api.js';
import { usedOnNode } from './support/capacity.js';
import { isReadyNode, nodeName, tolerationsFor } from './support/nodes.js';
import { onNodes, restrictedPod, schedulerRefused } from './support/pods.js';
import { parseQuantity } from './support/quantity.js';
import { choice, text } from './settings.js';
import { NAMED_KINDS, VIRTUAL_DEVICE_CLASS, virtualKind, type VirtualKind } from './profiles/virtual.js';

/**
 * virtualized_accelerator (KAR-0004): virtual accelerators (vGPU types, VFIO passthrough) are
 * advertised as resources a pod can request; a pod requesting one runs only where it is advertised,
 * is refused where it is not (beside a control pod that fits there), and on a real node its
 * container passes a health probe that finds the granted device.
 */

interface Env {
  readonly resource: string;
  readonly kind: VirtualKind;
  /** Ready nodes advertising the resource, with what is free on each. */
  readonly advertising: readonly string[];
  /** Ready, schedulable nodes that do not advertise it (where the placement proof has somewhere wrong to go). */
  readonly others: readonly string[];
  readonly nodes: readonly V1Node[];
}

const WINDOW_MS = 20_000;

const settings = {
  'virtual.resource': text({ description: 'the extended resource of a virtual accelerator to prove (default: one kaic recognises, free on a real node if any)', default: undefined, pattern: /^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/, example: 'nvidia.com/GRID_T4-16Q' }),
  'virtual.kind': choice({ description: 'what a resource kaic does not recognise is: a mediated vGPU (the container gets /dev/vfio/vfio and MDEV_PCI_RESOURCE_*) or VFIO passthrough (/dev/vfio/<group> of an accelerator)', values: ['vgpu', 'vfio'], default: undefined }),
};

export default defineCheck({
  id: 'virtualized_accelerator',
  testName: 'TestVirtualizedAccelerator',
  summary: 'detects virtual accelerators: vGPU types and VFIO passthrough devices advertised as extended resources, and DRA DeviceClasses for them; a pod requesting one, free to go to nodes without it too, is placed where it is advertised; a pod requesting one on a node that does not advertise it is refused by the scheduler while a control pod without the request runs there; on a real node, the granted container passes a readiness probe that finds its device files',
  needs: 'a node advertising a virtual accelerator resource kaic recognises (or named with `--set virtual.resource`), a node that does not (for the placement proof), and a real node for the health probe',
  cannotProve: 'virtual devices offered only through DRA (detected and reported), a VM inside the pod (KubeVirt\'s virt-launcher), or isolation between vGPUs that share a physical device',
  cases: ['PlacedWhereAdvertised', 'RefusedWhereNotAdvertised', 'GrantedDeviceHealthy'],
  uses: [
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'resource.k8s.io', resources: ['deviceclasses'], verbs: ['get', 'list'] },
  ],
  settings,
  images: ['pause', 'probe'],
  timeoutMs: 8 * 60_000,

  async discover({ cluster, settings: set, accelerator: profile, list }) {
    const ready = cluster.nodes.filter((n) => isReadyNode(n) && !n.spec?.unschedulable);
    const resources = new Map<string, VirtualKind>();
    for (const n of ready) for (const [r, q] of Object.entries(n.status?.allocatable ?? {})) {
      const k = virtualKind(r);
      if (k && (parseQuantity(q) ?? 0) > 0) resources.set(r, k);
    }
    // DeviceClasses are only reported: a DRA API kaic cannot read must not stop the extended-resource proof.
    const draVersion = cluster.servedVersions('resource.k8s.io')[0];
    const draGv = draVersion ? `resource.k8s.io/${draVersion}` : undefined;
    const dra = draGv && cluster.verbs(draGv, 'deviceclasses').includes('list') && !cluster.unavailable.has(draGv) ? (await list<{ metadata: { name: string } }>({ apiVersion: draGv, kind: 'DeviceClass' })).map((c) => c.metadata.name).filter((c) => VIRTUAL_DEVICE_CLASS.test(c)) : [];
    const found: Record<string, string> = {
      virtualResources: [...resources].map(([r, k]) => `${r} (${k.kind})`).join(', ') || 'none',
      virtualDeviceClasses: dra.join(', ') || 'none',
    };
    const wanted = set['virtual.resource'];
    if (wanted && wanted === profile.extendedResource) return { ready: false, reason: 'no-verdict', detail: `--set virtual.resource=${wanted} is the ${profile.name} accelerator itself, not a virtual one`, found };
    // One that a real node offers first (the health probe needs running containers), then by name.
    const onReal = (r: string) => ready.some((n) => !cluster.isSimulated(nodeName(n)) && (parseQuantity(n.status?.allocatable?.[r]) ?? 0) > 0);
    const resource = wanted ?? [...resources.keys()].sort((a, b) => Number(onReal(b)) - Number(onReal(a)) || a.localeCompare(b))[0];
    if (!resource) {
      return { ready: false, reason: 'missing-component', detail: `no node advertises a virtual accelerator (vGPU type or VFIO passthrough resource)${dra.length ? `; DRA DeviceClasses ${dra.join(', ')} look like virtual devices, which kaic detects but does not prove yet` : ''}`, remedy: 'if the platform offers none, declare it: --na virtualized_accelerator="no vGPU or passthrough accelerators offered"; a resource kaic does not recognise can be named with --set virtual.resource=NAME', found };
    }
    const named = set['virtual.kind'];
    const kind = resources.get(resource) ?? virtualKind(resource) ?? (named ? NAMED_KINDS[named] : { kind: 'vGPU' as const, deviceFiles: [] });
    const has = (n: V1Node) => (parseQuantity(n.status?.allocatable?.[resource]) ?? 0) > 0;
    const advertising = ready.filter(has).map(nodeName);
    if (!advertising.length) return { ready: false, reason: 'missing-component', detail: `--set virtual.resource=${resource}: no Ready node advertises it`, found };
    // A node with the resource in its capacity but none allocatable (a plugin restarting) is neither.
    const others = ready.filter((n) => !has(n) && n.status?.capacity?.[resource] === undefined && n.metadata?.labels?.['kubernetes.io/os'] !== 'windows').map(nodeName);
    return { ready: true, env: { resource, kind, advertising, others, nodes: ready }, found };
  },

  async prove(env: Env, s) {
    const free = async (node: string) => (parseQuantity((await s.get<V1Node>({ apiVersion: 'v1', kind: 'Node', name: node }))?.status?.allocatable?.[env.resource]) ?? 0) - (await usedOnNode(s, node, env.resource));
    const pod = (name: string, nodes: readonly string[], opts: { request?: boolean; image?: 'pause' | 'probe'; probe?: boolean } = {}) => {
      const container: Record<string, unknown> = { name: 'main', image: s.images[opts.image ?? 'pause'], ...(opts.request === false ? {} : { resources: { limits: { [env.resource]: '1' } } }) };
      if (opts.probe) {
        container.command = ['sh', '-c', 'sleep 3600'];
        // Healthy means the granted device is there: the kind's device files.
        container.readinessProbe = { exec: { command: ['sh', '-c', healthCommand(env.kind)] }, periodSeconds: 2, failureThreshold: 3 };
      }
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: restrictedPod({ restartPolicy: 'Always', automountServiceAccountToken: false, tolerations: tolerationsFor(env.nodes, nodes), affinity: onNodes(nodes), containers: [container] }) } as KObject;
    };
    const withFree: string[] = [];
    for (const n of env.advertising) if ((await free(n)) > 0) withFree.push(n);

    await s.case('PlacedWhereAdvertised', async (c) => {
      if (!env.others.length) return c.notRun('no-verdict', `every Ready node advertises ${env.resource}, so a pod cannot be placed anywhere it is not`, 'run on a cluster with nodes that do not offer it');
      if (!withFree.length) return c.notRun('control-failed', `no node has a free ${env.resource} (${env.advertising.join(', ')} all in use)`, 'run when one is free');
      // Allowed everywhere: nodes with a free device and every node without the resource.
      const allowed = [...withFree, ...env.others];
      await s.apply(pod('placed', allowed));
      const r = await s.waitForPods(['placed'], 'Scheduled', 120_000);
      // Not placed at all contradicts nothing ("only where advertised"): capacity taken meanwhile, a pod limit, another scheduler.
      if (!r.ok) return c.notRun('control-failed', `the pod requesting ${env.resource} was not placed anywhere (${r.message}); free now: ${(await Promise.all(withFree.map(async (n) => `${n} ${await free(n)}`))).join(', ')}`, 'run when a device is free');
      const on = r.value.get('placed')!.spec!.nodeName!;
      if (!env.advertising.includes(on)) return c.fail(`a pod requesting ${env.resource} runs only where it is advertised`, `placed on ${on}, which does not advertise ${env.resource}`);
      c.pass(`placed on ${on}, which advertises ${env.resource} (${env.others.length} node(s) without it were allowed too)`);
    });

    await s.case('RefusedWhereNotAdvertised', async (c) => {
      const target = env.others.find((n) => !s.cluster.isSimulated(n)) ?? env.others[0];
      if (!target) return c.notRun('no-verdict', `every Ready node advertises ${env.resource}: there is no node to be refused on`);
      // The control: the same pod without the request fits on that node, so a refusal is about the resource.
      await s.apply(pod('control', [target], { request: false }));
      const ctl = await s.waitForPods(['control'], 'Scheduled', 90_000);
      if (!ctl.ok) return c.notRun('control-failed', `a pod without the request could not be placed on ${target} either (${ctl.message}), so a refusal would prove nothing`);
      await s.apply(pod('refused', [target]));
      const held = await s.holdsFor({ apiVersion: 'v1', kind: 'Pod', fieldSelector: 'metadata.name=refused' }, 'the pod to stay unplaced', (m) => {
        const p = [...m.values()][0] as V1Pod | undefined;
        return p?.spec?.nodeName ? `bound to ${p.spec.nodeName}, which does not advertise ${env.resource}` : undefined;
      }, WINDOW_MS);
      if (!held.held) {
        // Unless the node began advertising it meanwhile (its plugin registered).
        const now = await s.get<V1Node>({ apiVersion: 'v1', kind: 'Node', name: target });
        if ((parseQuantity(now?.status?.allocatable?.[env.resource]) ?? 0) > 0) return c.notRun('control-failed', `${target} began advertising ${env.resource} during the window`);
        return c.fail(`a pod requesting ${env.resource} on ${target}, which does not advertise it, stays Pending`, held.violation);
      }
      const refused = await schedulerRefused(s, 'refused');
      if (!refused) return c.notRun('no-verdict', 'the pod stayed Pending, but the scheduler never said it could not place it: a slow scheduler proves nothing', 'run again when the scheduler keeps up');
      // The refusal must be about the resource (not the pod limit the control may have used up).
      if (!refused.includes(`Insufficient ${env.resource}`)) return c.notRun('no-verdict', `the scheduler refused the pod on ${target}, but not for ${env.resource}: ${refused.slice(0, 200)}`);
      c.pass(`refused on ${target} for ${WINDOW_MS / 1000}s (${refused.slice(0, 160)}), where a pod without the request was placed`);
    });

    await s.case('GrantedDeviceHealthy', async (c) => {
      const realNodes = env.advertising.filter((n) => !s.cluster.isSimulated(n));
      const real: string[] = [];
      for (const n of realNodes) if ((await free(n)) > 0) real.push(n);
      if (!real.length) return c.notRun(realNodes.length ? 'control-failed' : 'simulated-nodes', realNodes.length ? `no real node has a free ${env.resource} (${realNodes.join(', ')})` : `the nodes advertising ${env.resource} are simulated (${env.advertising.join(', ')}): no container runs there`, 'run on a cluster with a real node that offers it');
      if (!env.kind.deviceFiles.length) return c.notRun('no-verdict', `kaic does not know which device files a ${env.resource} container gets`, 'name its kind: --set virtual.kind=vgpu|vfio');
      await s.apply(pod('healthy', [real[0]!], { image: 'probe', probe: true }));
      const run = await s.waitForPods(['healthy'], 'Running', 120_000);
      if (!run.ok) {
        // Never bound is capacity; bound and its container not started is the device failing.
        const p = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: 'healthy' });
        if (!p?.spec?.nodeName) return c.notRun('control-failed', `the pod granted ${env.resource} was not placed on ${real[0]}: ${run.message}`, 'run when a device is free');
        return c.fail(`a pod granted ${env.resource} starts on ${real[0]}`, run.message);
      }
      const ok = await s.poll(`the granted container's readiness probe (${env.kind.deviceFiles.join(' ')}) to pass`, async () => {
        const p = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: 'healthy' });
        return p?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? p : undefined;
      }, { intervalMs: 1_000, timeoutMs: 30_000, describe: () => 'not Ready' });
      if (!ok.ok) return c.fail(`the container granted ${env.resource} finds its ${env.kind.kind} device and turns Ready (${healthCommand(env.kind)})`, `${ok.message}: its readiness probe keeps failing`);
      c.pass(`the container granted ${env.resource} on ${real[0]} is Ready: its probe found ${env.kind.deviceFiles.join(' ')}${env.kind.healthy ? ` and passed \`${env.kind.healthy}\`` : ''}`);
    });
  },
});

/** The readiness probe: the kind's device files are there, and its own test passes. */
export const healthCommand = (k: VirtualKind) => `ls ${k.deviceFiles.join(' ')} >/dev/null 2>&1${k.healthy ? ` && ${k.healthy}` : ''}`;
