import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CaseHandle, type CheckScope, type KObject } from './api.js';
import { usedOnNode } from './support/capacity.js';
import { allocatedDevices, deviceIdentity, deviceRequest, findDraPath, type Claim, type DraPath } from './support/dra.js';
import { isReadyNode } from './support/nodes.js';
import { onNodes, restrictedPod, schedulerRefused } from './support/pods.js';
import { parseQuantity } from './support/quantity.js';
import { acceleratorNodes, tolerationsForNodes, type AcceleratorProfile } from './profiles/accelerators.js';
import { probeCommand, seen, seesAny, type ProbeResult } from './probe.js';
import { readProbes } from './support/probes.js';

interface PluginPath { readonly resource: string; readonly nodes: readonly string[] }
interface Env {
  readonly profile: AcceleratorProfile;
  readonly dra?: DraPath;
  readonly plugin?: PluginPath;
  readonly tolerations: { key: string; operator: string }[];
  /** Up to ALTERNATIVE_NODES nodes without the accelerator that the probe pods tolerate (DevicePluginPlacement). */
  readonly cpuNodes: readonly string[];
}
type Path = 'dra' | 'plugin';

const WINDOW_MS = 8_000;
/** Nodes without the resource that DevicePluginPlacement also allows (bounded: see the case). */
const ALTERNATIVE_NODES = 8;
const IN_CONTAINER = ['GrantedContainerSeesItsDevice', 'MediatedDeviceMatchesAllocation', 'UngrantedPodSeesNone', 'UngrantedSiblingSeesNone', 'VisibleDevicesEnvEscape', 'DistinctDevicesInsideContainers'] as const;
const PATH_TITLE: Record<Path, string> = { dra: 'DRA', plugin: 'device plugin' };

export default defineCheck({
  id: 'secure_accelerator_access',
  testName: 'TestSecureAcceleratorAccess',
  summary: 'on each allocation path the cluster uses (DRA, device plugin): exclusive allocation, a full node refuses the next claimant, placement only on accelerator nodes; where containers run, a granted container sees exactly its allocated device and ungranted pods, siblings and the *_VISIBLE_DEVICES escape see none (controls on the same node)',
  needs: 'accelerator nodes with a DRA driver or a device plugin; containers running for the in-container cases',
  cannotProve: 'isolation against a privileged or host-path pod (those are policy), or side channels between devices',
  cases: ['DRAAllocationsAreExclusive', 'DRAFullNodeRefusesNext', 'DevicePluginPlacement', 'PluginFullNodeRefusesNext', 'UngrantedPodPlacement', ...IN_CONTAINER],
  uses: [
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list', 'watch'] },
    { group: 'resource.k8s.io', resources: ['resourceclaims', 'resourceclaimtemplates'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods/log'], verbs: ['get'] },
  ],
  settings: {},
  images: ['pause', 'probe', 'cuda'],
  capacity: { acceleratorNodes: 1 },
  timeoutMs: 8 * 60_000,

  async discover({ cluster, accelerator: profile, list }) {
    const ready = new Set(cluster.nodes.filter(isReadyNode).map((n) => n.metadata!.name!));
    const dra = await findDraPath(cluster, profile.deviceClass, ready, list);
    const res = profile.extendedResource;
    const pluginNodes = res ? acceleratorNodes(cluster.nodes, profile).filter((n) => isReadyNode(n) && Number(n.status?.allocatable?.[res] ?? 0) > 0).map((n) => n.metadata!.name!) : [];
    const plugin = res && pluginNodes.length ? { resource: res, nodes: pluginNodes } : undefined;
    const found: Record<string, string> = { accelerator: profile.name, dra: dra ? `${dra.deviceClass} (${dra.driver}) on ${dra.nodes.length} node(s)` : 'none', devicePlugin: plugin ? `${plugin.resource} on ${plugin.nodes.length} node(s)` : 'none' };
    if (!dra && !plugin) {
      return { ready: false, reason: 'missing-component', detail: `no ${profile.name} accelerator exposed: no DeviceClass ${profile.deviceClass ?? '-'} with complete ResourceSlices and no node with allocatable ${res ?? '-'}`, remedy: "install the accelerator's DRA driver or device plugin, or pass --accelerator amd|intel|neuron|example|dra:<deviceClass>", found };
    }
    // One node that offers every path the cluster uses, nodes where containers run first.
    const all = [...new Set([...(dra?.nodes ?? []), ...(plugin?.nodes ?? [])])];
    const both = all.filter((n) => (!dra || dra.nodes.includes(n)) && (!plugin || plugin.nodes.includes(n)));
    const order = (ns: readonly string[]) => [...ns].sort((a, b) => Number(cluster.isSimulated(a)) - Number(cluster.isSimulated(b)));
    // One node that offers every path the cluster uses; where none does, one node per path.
    const split = !both.length && !!dra && !!plugin;
    const nodes = split ? [order(dra!.nodes)[0]!, order(plugin!.nodes.filter((n) => n !== order(dra!.nodes)[0]))[0]!].filter(Boolean) : order(both.length ? both : all);
    found.nodes = nodes.some((n) => !cluster.isSimulated(n)) ? 'containers run on some accelerator nodes' : 'simulated (kwok): containers do not run';
    const tolerations = tolerationsForNodes(cluster.nodes, all, profile);
    // Nodes without the accelerator that the probe pods could otherwise land on: Ready, schedulable,
    // and no taint the pods do not tolerate (such a node would be no alternative at all).
    const tolerated = new Set(tolerations.map((t) => t.key));
    const open = (n: V1Node) => (n.spec?.taints ?? []).every((t) => t.effect === 'PreferNoSchedule' || tolerated.has(t.key));
    // Untainted nodes first (a PreferNoSchedule taint tilts the scheduler's scoring away from a node);
    // a few of them prove the point as well as all: see DevicePluginPlacement.
    const cpuNodes = cluster.nodes
      .filter((n) => isReadyNode(n) && !all.includes(n.metadata!.name!) && !n.spec?.unschedulable && open(n))
      .sort((a, b) => Number(!!a.spec?.taints?.length) - Number(!!b.spec?.taints?.length))
      .slice(0, ALTERNATIVE_NODES)
      .map((n) => n.metadata!.name!);
    return { ready: true, env: { profile, ...(dra ? { dra } : {}), ...(plugin ? { plugin } : {}), tolerations, cpuNodes }, found, nodes, ...(split ? { capacity: { acceleratorNodes: 2 } } : {}) };
  },

  async prove(env: Env, s) {
    const draNode = env.dra && s.nodes.find((n) => env.dra!.nodes.includes(n));
    const pluginNode = env.plugin && s.nodes.find((n) => env.plugin!.nodes.includes(n));
    const pod = (name: string, path: Path | undefined, node: string | undefined, opts: { probe?: boolean; sibling?: boolean; env?: Record<string, string>; count?: number; claim?: string; affinityNodes?: string[] } = {}): KObject => {
      // Granted probes use the vendor's image (its tool prints identities); ungranted ones a plain
      // image, so "sees none" is about the runtime, not about variables the vendor image sets.
      const image = opts.probe ? (path && env.profile.tool && env.profile.name === 'nvidia' ? s.images.cuda : s.images.probe) : s.images.pause;
      const command = opts.probe ? probeCommand(env.profile) : undefined;
      const extra = { ...(command ? { command } : {}), ...(opts.env ? { env: Object.entries(opts.env).map(([n, v]) => ({ name: n, value: v })) } : {}) };
      const main: Record<string, unknown> = { name: path ? 'granted' : 'ungranted', image, ...extra };
      const spec: Record<string, unknown> = { tolerations: env.tolerations, containers: [main] };
      if (path === 'dra') {
        spec.resourceClaims = [{ name: 'acc', ...(opts.claim ? { resourceClaimName: opts.claim } : { resourceClaimTemplateName: 'one-accelerator' }) }];
        main.resources = { claims: [{ name: 'acc' }] };
      } else if (path === 'plugin') main.resources = { limits: { [env.plugin!.resource]: String(opts.count ?? 1) } };
      if (opts.sibling) (spec.containers as unknown[]).push({ name: 'sibling', image, ...extra });
      if (opts.affinityNodes) spec.affinity = onNodes(opts.affinityNodes);
      else if (node) spec.affinity = onNodes([node]);
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: restrictedPod(spec as never) };
    };
    const claimOf = async (p: V1Pod) => {
      const name = p.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
      return name ? s.get<Claim>({ apiVersion: env.dra!.gv, kind: 'ResourceClaim', name }) : undefined;
    };
    const identityOf = (r: { driver: string; pool: string; device: string }) => deviceIdentity(env.dra!.slices, r, env.profile);
    if (env.dra) await s.apply({ apiVersion: env.dra.gv, kind: 'ResourceClaimTemplate', metadata: { name: 'one-accelerator' }, spec: { spec: { devices: { requests: [deviceRequest(env.dra.version, 'acc', env.dra.deviceClass)] } } } });
    // A path the cluster does not use does not apply; a path it uses that kaic got no node for is not proven.
    const noDra = (c: CaseHandle) => (env.dra ? c.notRun('control-failed', `no node offering DRA devices of ${env.dra.deviceClass} could be leased`) : c.notApplicable(`the cluster offers ${env.profile.name} accelerators through a device plugin only (no DeviceClass ${env.profile.deviceClass ?? ''} with complete pools)`));
    const noPlugin = (c: CaseHandle) => (env.plugin ? c.notRun('control-failed', `no node offering ${env.plugin.resource} could be leased`) : c.notApplicable(`the cluster offers ${env.profile.name} accelerators through DRA only (no node advertises ${env.profile.extendedResource ?? 'an extended resource'})`));
    const freeOf = async (path: Path, node: string) => (path === 'dra' ? (await draFree(env, s, node)).free.length : (await pluginFree(env, s, node)).free);
    const tooFew = (c: CaseHandle, path: Path, node: string, free: number, need: number) => c.notRun('control-failed', `${node} has ${free} free ${path === 'dra' ? 'DRA device(s)' : env.plugin!.resource} (other workloads hold the rest); this case needs ${need}`, 'run when the node has free accelerators');

    await s.case('DRAAllocationsAreExclusive', async (c) => {
      if (!env.dra || !draNode) return noDra(c);
      const free = await freeOf('dra', draNode);
      if (free < 2) return tooFew(c, 'dra', draNode, free, 2);
      for (const n of ['claimant-a', 'claimant-b']) await s.apply(pod(n, 'dra', draNode));
      const r = await s.waitForPods(['claimant-a', 'claimant-b'], 'Running', 120_000);
      if (!r.ok) return c.fail(`two pods with one claimed device each run on ${draNode}`, r.message);
      const got: { pod: string; device: string; identity?: string }[] = [];
      for (const [name, p] of r.value) {
        const claim = await claimOf(p);
        const results = claim?.status?.allocation?.devices?.results ?? [];
        if (results.length !== 1) return c.fail(`pod ${name}'s claim allocated exactly one device`, `${results.length} devices allocated`);
        const reservedFor = claim?.status?.reservedFor ?? [];
        if (reservedFor.length !== 1 || reservedFor[0]!.uid !== p.metadata!.uid) return c.fail(`the claim of ${name} reserved for ${name} only`, `reservedFor: ${JSON.stringify(reservedFor)}`);
        const id = identityOf(results[0]!);
        got.push({ pod: name, device: `${results[0]!.driver}/${results[0]!.pool}/${results[0]!.device}`, ...(id ? { identity: id } : {}) });
      }
      const [a, b] = got as [(typeof got)[0], (typeof got)[0]];
      c.log(`allocations: ${got.map((x) => `${x.pod} → ${x.device}${x.identity ? ` (${x.identity})` : ''}`).join(', ')}`);
      if (a.device === b.device) return c.fail('two granted pods get distinct devices', `both got ${a.device}`);
      if (a.identity && b.identity && a.identity === b.identity) return c.fail('two granted pods get distinct physical devices', `${a.device} and ${b.device} are the same device: both have ${env.profile.identityAttribute} ${a.identity}`);
      c.pass(`distinct devices, each claim reserved for its own pod only: ${got.map((x) => `${x.pod} → ${x.device}${x.identity ? ` [${x.identity}]` : ''}`).join(', ')}`);
    });

    await s.case('DRAFullNodeRefusesNext', async (c) => {
      if (!env.dra || !draNode) return noDra(c);
      // The claims of the previous case's pods go with them, a little later (garbage collection): a
      // stable baseline first, so "free" is what is really free.
      await s.waitFor({ apiVersion: env.dra.gv, kind: 'ResourceClaim' }, 'the previous case\'s claims to be released', (m) => (m.size === 0 ? true : undefined), { timeoutMs: 60_000 });
      const free = (await draFree(env, s, draNode)).free.length;
      if (free === 0) return tooFew(c, 'dra', draNode, free, 1);
      await s.apply({ apiVersion: env.dra.gv, kind: 'ResourceClaim', metadata: { name: 'fill-node' }, spec: { devices: { requests: [deviceRequest(env.dra.version, 'acc', env.dra.deviceClass, undefined, free)] } } });
      await s.apply(pod('filler', 'dra', draNode, { claim: 'fill-node' }));
      const r = await s.waitForPods(['filler'], 'Scheduled', 90_000);
      if (!r.ok) return c.notRun('control-failed', `the control did not hold: a pod claiming the ${free} free device(s) of ${draNode} was not placed (${r.message})`);
      await s.apply(pod('next-claimant', 'dra', draNode));
      const held = await s.holdsFor({ apiVersion: 'v1', kind: 'Pod', fieldSelector: 'metadata.name=next-claimant' }, 'the next claimant to stay unplaced', (m) => {
        const p = [...m.values()][0] as V1Pod | undefined;
        return p?.spec?.nodeName ? `next-claimant was bound to ${p.spec.nodeName} although every device there is allocated` : undefined;
      }, WINDOW_MS);
      if (held.held) {
        const refused = await schedulerRefused(s, 'next-claimant');
        if (!refused) return c.notRun('no-verdict', 'next-claimant stayed Pending, but the scheduler never said it could not place it (no PodScheduled=False): a slow scheduler proves nothing', 'run again when the scheduler keeps up');
        c.log(`scheduler: ${refused}`);
      }
      if (!held.held) {
        // Bound: a violation only if its device is held by another claim too. A device released
        // during the window by someone else (the node was not full after all) proves nothing.
        const next = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: 'next-claimant' });
        const got = next ? (await claimOf(next))?.status?.allocation?.devices?.results?.[0] : undefined;
        if (!got) return c.fail(`with all ${free} free device(s) of ${draNode} claimed, the next claimant stays Pending`, `${held.violation}, with no device allocated to it`);
        const all = await s.list<Claim>({ apiVersion: env.dra.gv, kind: 'ResourceClaim', namespace: '' });
        // Admin-access claims (monitoring) may share a device by design: they do not count.
        const holders = all.filter((cl) => cl.status?.allocation?.devices?.results?.some((x) => !x.adminAccess && x.driver === got.driver && x.pool === got.pool && x.device === got.device));
        if (holders.length > 1) return c.fail(`with all ${free} free device(s) of ${draNode} claimed, the next claimant stays Pending`, `${held.violation}: device ${got.pool}/${got.device} is allocated to ${holders.length} claims at once (${holders.map((h) => h.metadata.name).join(', ')})`);
        return c.notRun('control-failed', `device ${got.pool}/${got.device} became free during the window (released by another claim), so ${draNode} was not full: nothing proven`, 'run again when no other workload releases devices on the node');
      }
      c.pass(`a claim for all ${free} free device(s) of ${draNode} was allocated; the next claimant stayed Pending for ${WINDOW_MS / 1000}s`);
    });

    await s.case('DevicePluginPlacement', async (c) => {
      if (!env.plugin || !pluginNode) return noPlugin(c);
      const free = await freeOf('plugin', pluginNode);
      if (free < 2) return tooFew(c, 'plugin', pluginNode, free, 2);
      // Allowed onto the leased node and nodes without the resource: only the former will do. A few
      // such nodes prove it as well as all of them; a term per node of a 5,000-node cluster makes
      // each pod cost the scheduler seconds (every node is matched against every term).
      const alternatives = env.cpuNodes;
      if (!alternatives.length) return c.notApplicable(`no Ready node without ${env.plugin.resource} is open to these pods (every other node is cordoned or carries a taint they do not tolerate): there is no wrong node to avoid`);
      const allowed = [pluginNode, ...alternatives];
      for (const n of ['plugin-a', 'plugin-b']) await s.apply(pod(n, 'plugin', undefined, { affinityNodes: allowed }));
      const r = await s.waitForPods(['plugin-a', 'plugin-b'], 'Running', 120_000);
      if (!r.ok) return c.fail(`both pods placed on a node offering ${env.plugin.resource}`, r.message);
      const wrong = [...r.value.values()].filter((p) => !env.plugin!.nodes.includes(p.spec!.nodeName!));
      if (wrong.length) return c.fail(`pods requesting ${env.plugin.resource} run only on nodes that advertise it`, wrong.map((p) => `${p.metadata!.name} on ${p.spec!.nodeName}`).join(', '));
      c.pass(`both pods placed on ${pluginNode} (allowed as well: ${alternatives.length} node(s) without ${env.plugin.resource})`);
    });

    await s.case('PluginFullNodeRefusesNext', async (c) => {
      if (!env.plugin || !pluginNode) return noPlugin(c);
      const { free, allocatable } = await pluginFree(env, s, pluginNode);
      if (free <= 0) return tooFew(c, 'plugin', pluginNode, free, 1);
      await s.apply(pod('plugin-filler', 'plugin', pluginNode, { count: free }));
      const r = await s.waitForPods(['plugin-filler'], 'Scheduled', 90_000);
      if (!r.ok) return c.notRun('control-failed', `the control did not hold: a pod requesting the ${free} free ${env.plugin.resource} of ${pluginNode} was not placed (${r.message})`);
      await s.apply(pod('plugin-next', 'plugin', pluginNode));
      const held = await s.holdsFor({ apiVersion: 'v1', kind: 'Pod', fieldSelector: 'metadata.name=plugin-next' }, 'the next pod to stay unplaced', (m) => {
        const p = [...m.values()][0] as V1Pod | undefined;
        return p?.spec?.nodeName ? `plugin-next was bound to ${p.spec.nodeName} although all ${allocatable} ${env.plugin!.resource} are requested` : undefined;
      }, WINDOW_MS);
      // The node's allocatable must not have moved under the check (a device turning healthy).
      const after = await pluginFree(env, s, pluginNode);
      if (after.allocatable !== allocatable) return c.notRun('control-failed', `${pluginNode}'s allocatable ${env.plugin.resource} changed from ${allocatable} to ${after.allocatable} during the window`);
      if (held.held) {
        const refused = await schedulerRefused(s, 'plugin-next');
        if (!refused) return c.notRun('no-verdict', 'plugin-next stayed Pending, but the scheduler never said it could not place it (no PodScheduled=False): a slow scheduler proves nothing', 'run again when the scheduler keeps up');
        c.log(`scheduler: ${refused}`);
      }
      if (!held.held) {
        // Bound: a violation only if the node's pods now ask for more than it has (overcommit).
        const requested = after.allocatable - after.free;
        if (requested > allocatable) return c.fail(`with all ${free} free ${env.plugin.resource} of ${pluginNode} requested, the next pod stays Pending`, `${held.violation}: pods on ${pluginNode} now hold ${requested} of ${allocatable}`);
        return c.notRun('control-failed', `another pod on ${pluginNode} released its ${env.plugin.resource} during the window, so the node was not full: nothing proven`, 'run again when no other workload uses the node');
      }
      c.pass(`a pod requesting all ${free} free ${env.plugin.resource} of ${pluginNode} was placed; the next one stayed Pending for ${WINDOW_MS / 1000}s`);
    });

    const target = draNode ?? pluginNode;
    await s.case('UngrantedPodPlacement', async (c) => {
      if (!target) return c.notRun('missing-component', 'no accelerator node leased');
      await s.apply(pod('ungranted', undefined, target));
      const r = await s.waitForPods(['ungranted'], 'Running', 120_000);
      // A control for the in-container negatives; a platform keeping other pods off its accelerator
      // nodes is not failing isolation, so this is NOT-RUN, never FAIL.
      if (!r.ok) return c.notRun('control-failed', `a pod without an accelerator request could not run on accelerator node ${target}, so the in-container negatives have no place to run: ${r.message}`);
      c.pass(`a pod without an accelerator request runs on accelerator node ${target}`);
    });

    const paths = ([['dra', draNode], ['plugin', pluginNode]] as const).filter((x): x is readonly [Path, string] => !!x[1]);
    const real = paths.filter(([, n]) => !s.cluster.isSimulated(n));
    if (real.length === 0 || env.profile.deviceFiles.length === 0 && !env.profile.identityEnv && !env.profile.identityFiles) {
      const why = real.length === 0
        ? { reason: 'simulated-nodes' as const, detail: `the accelerator node(s) ${[...new Set(paths.map(([, n]) => n))].join(', ')} are simulated (kwok): containers do not run, so no probe can look inside one`, remedy: 'run against a cluster with real accelerator nodes' }
        : { reason: 'no-verdict' as const, detail: `the ${env.profile.name} profile names no device files or identities to look for inside a container`, remedy: 'pass a vendor profile with --accelerator (nvidia, amd, intel, neuron)' };
      for (const name of IN_CONTAINER) await s.case(name, async (c) => c.notRun(why.reason, why.detail, why.remedy));
      return;
    }
    await proveInContainer(env, s, real, pod, claimOf, identityOf);
  },
});

type PodFn = (name: string, path: Path | undefined, node: string | undefined, opts?: { probe?: boolean; sibling?: boolean; env?: Record<string, string> }) => KObject;

/** Devices of the node's pools not allocated to any claim (admin-access claims do not hold a device). */
async function draFree(env: Env, s: CheckScope, node: string): Promise<{ devices: string[]; free: string[] }> {
  const devices = env.dra!.slices.filter((x) => x.spec.nodeName === node).flatMap((x) => x.spec.devices?.map((d) => `${x.spec.pool.name}/${d.name}`) ?? []);
  const taken = await allocatedDevices(s, env.dra!.gv);
  return { devices, free: devices.filter((d) => !taken.has(`${env.dra!.driver}/${d}`)) };
}

/** The node's allocatable extended resource (read now, not at discovery) less what its pods hold. */
async function pluginFree(env: Env, s: CheckScope, node: string): Promise<{ allocatable: number; free: number }> {
  const n = await s.get<V1Node>({ apiVersion: 'v1', kind: 'Node', name: node });
  const allocatable = parseQuantity(n?.status?.allocatable?.[env.plugin!.resource]) ?? 0;
  return { allocatable, free: allocatable - (await usedOnNode(s, node, env.plugin!.resource)) };
}

/** A pod that could not start because the node had no room for it: the cluster's state, not a verdict. */
const NO_ROOM = /Insufficient|cannot allocate all claims|didn't match|untolerated taint|Too many pods/;

async function proveInContainer(env: Env, s: CheckScope, paths: readonly (readonly [Path, string])[], pod: PodFn, claimOf: (p: V1Pod) => Promise<Claim | undefined>, identityOf: (r: { driver: string; pool: string; device: string }) => string | undefined) {
  const nodes = [...new Set(paths.map(([, n]) => n))];
  const containers: Record<string, string[]> = {};
  const free: Partial<Record<Path, number>> = {};
  for (const [path, node] of paths) {
    free[path] = path === 'dra' ? (await draFree(env, s, node)).free.length : (await pluginFree(env, s, node)).free;
    if (free[path]! < 1) continue;
    containers[`probe-${path}-a`] = ['granted', 'sibling'];
    await s.apply(pod(`probe-${path}-a`, path, node, { probe: true, sibling: true }));
    if (free[path]! >= 2) {
      containers[`probe-${path}-b`] = ['granted'];
      await s.apply(pod(`probe-${path}-b`, path, node, { probe: true }));
    }
  }
  for (const [i, node] of nodes.entries()) {
    containers[`probe-none-${i}`] = ['ungranted'];
    await s.apply(pod(`probe-none-${i}`, undefined, node, { probe: true }));
    if (env.profile.visibleDevicesEnv) {
      containers[`probe-escape-${i}`] = ['ungranted'];
      await s.apply(pod(`probe-escape-${i}`, undefined, node, { probe: true, env: { [env.profile.visibleDevicesEnv]: 'all' } }));
    }
  }
  const { results, failures } = await readProbes(s, env.profile, containers);
  type Judgement = string | { fail: [string, string] } | { notRun: string } | { na: string };
  const each = async (c: CaseHandle, fn: (path: Path, node: string, i: number) => Promise<Judgement>) => {
    const passed: string[] = [];
    const skipped: string[] = [];
    for (const [path, node] of paths) {
      const r = await fn(path, node, nodes.indexOf(node));
      if (typeof r === 'string') passed.push(`${PATH_TITLE[path]}: ${r}`);
      else if ('fail' in r) return c.fail(`${PATH_TITLE[path]}: ${r.fail[0]}`, r.fail[1]);
      else if ('notRun' in r) return c.notRun('control-failed', `${PATH_TITLE[path]}: ${r.notRun}`);
      else skipped.push(`${PATH_TITLE[path]}: ${r.na}`);
    }
    if (!passed.length) return c.notApplicable(skipped.join('; '));
    c.pass([...passed, ...skipped.map((x) => `(not applicable) ${x}`)].join('; '));
  };
  const granted = (path: Path) => results.get(`probe-${path}-a/granted`);
  /** The granted probe saw a device: the control every "sees none" below needs. */
  const control = (path: Path): ProbeResult | { notRun: string } => {
    const a = granted(path);
    if (!a) return { notRun: free[path]! < 1 ? `no free device on the node for a granted probe` : `the granted probe did not run (${failures.get(`probe-${path}-a`) ?? 'no result'})` };
    return seesAny(a) ? a : { notRun: `the granted probe saw no device, so a probe seeing none proves nothing (granted saw ${seen(a)})` };
  };
  const negative = (name: string, path: Path, want: string): { notRun: string } | ProbeResult => {
    const ctl = control(path);
    if ('notRun' in ctl) return ctl;
    const r = results.get(name);
    return r ?? { notRun: `the probe for "${want}" did not run (${failures.get(name.split('/')[0]!) ?? 'no result'})` };
  };

  await s.case('GrantedContainerSeesItsDevice', (c) => each(c, async (path, node) => {
    const a = granted(path);
    if (!a) {
      const why = failures.get(`probe-${path}-a`);
      if (free[path]! < 1) return { notRun: `no free device on ${node}` };
      if (why && !NO_ROOM.test(why)) return { fail: [`a pod granted one accelerator on ${node} runs and reports what it sees`, why] };
      return { notRun: `the granted probe could not be placed on ${node}: ${why}` };
    }
    if (!seesAny(a)) return { fail: [`a container granted one accelerator on ${node} sees it`, `it saw ${seen(a)}`] };
    if (a.devices.length > 1 || a.identities.length > 1) return { fail: ['a container granted one accelerator sees exactly one', `it saw ${seen(a)}`] };
    return `granted container saw ${seen(a)}`;
  }));
  await s.case('MediatedDeviceMatchesAllocation', (c) => each(c, async (path) => {
    if (path !== 'dra') return { na: 'the device-plugin API records no allocation to compare with' };
    const ctl = control(path);
    if ('notRun' in ctl) return ctl;
    const p = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: 'probe-dra-a' });
    const result = p ? (await claimOf(p))?.status?.allocation?.devices?.results?.[0] : undefined;
    const want = result ? identityOf(result) : undefined;
    if (!result || !want) return { notRun: `the allocated device publishes no ${env.profile.identityAttribute} to compare with` };
    if (!ctl.identities.length) return { notRun: `the container shows no device identity (no ${env.profile.tool ?? 'vendor tool'}, environment or identity file)` };
    if (!ctl.identities.includes(want) || ctl.identities.length !== 1) return { fail: [`the container sees the allocated device ${result.pool}/${result.device} (${want})`, `it saw ${ctl.identities.join(', ')}`] };
    return `the container sees ${want}, the device its claim was allocated (${result.pool}/${result.device})`;
  }));
  await s.case('UngrantedPodSeesNone', (c) => each(c, async (path, node, i) => {
    const u = negative(`probe-none-${i}/ungranted`, path, 'an ungranted pod');
    if ('notRun' in u) return u;
    if (seesAny(u)) return { fail: [`a pod without a request on ${node} sees no accelerator`, `it saw ${seen(u)}`] };
    return `a pod without a request on ${node} saw ${seen(u)} while the granted probe there saw ${seen(granted(path)!)}`;
  }));
  await s.case('UngrantedSiblingSeesNone', (c) => each(c, async (path) => {
    const sib = negative(`probe-${path}-a/sibling`, path, 'an ungranted sibling');
    if ('notRun' in sib) return sib;
    if (seesAny(sib)) return { fail: ['an ungranted container beside a granted one sees no accelerator', `the sibling saw ${seen(sib)}`] };
    return `the ungranted sibling saw ${seen(sib)} beside a container that saw ${seen(granted(path)!)}`;
  }));
  await s.case('VisibleDevicesEnvEscape', (c) => each(c, async (path, node, i) => {
    const v = env.profile.visibleDevicesEnv;
    if (!v) return { na: `the ${env.profile.name} runtime has no visible-devices variable to abuse` };
    const e = negative(`probe-escape-${i}/ungranted`, path, `a pod setting ${v}=all`);
    if ('notRun' in e) return e;
    if (seesAny(e)) return { fail: [`a pod without a request that sets ${v}=all on ${node} sees no accelerator`, `it saw ${seen(e)}`] };
    return `a pod setting ${v}=all without a request saw ${seen(e)}`;
  }));
  await s.case('DistinctDevicesInsideContainers', (c) => each(c, async (path) => {
    const a = granted(path);
    const b = results.get(`probe-${path}-b/granted`);
    if (!a || !b) return { notRun: free[path]! < 2 ? 'the node had fewer than 2 free devices for two granted pods' : `a granted probe did not run (${failures.get(`probe-${path}-b`) ?? failures.get(`probe-${path}-a`) ?? 'no result'})` };
    if (!a.identities.length || !b.identities.length) {
      if (a.devices.length && b.devices.length && a.devices.join() !== b.devices.join()) return `pod a saw ${a.devices.join(', ')}, pod b saw ${b.devices.join(', ')}`;
      return { notRun: `the containers show no device identity (${env.profile.tool ?? 'no vendor tool'}), and their device files are the same (${a.devices.join(', ') || 'none'})` };
    }
    const shared = a.identities.filter((x) => b.identities.includes(x));
    if (shared.length) return { fail: ['two granted pods see different devices', `both saw ${shared.join(', ')}`] };
    return `pod a saw ${a.identities.join(', ')}, pod b saw ${b.identities.join(', ')}`;
  }));
}
