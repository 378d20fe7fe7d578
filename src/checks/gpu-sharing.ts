import type { V1Node } from '@kubernetes/client-node';
import { defineCheck, type CaseHandle, type CheckScope, type KObject } from './api.js';
import { usedOnNode } from './support/capacity.js';
import { allocatedDevices, deviceIdentity, deviceRequest, findDraPath, partitionsOf, type Claim, type DraPath, type Partitions } from './support/dra.js';
import { isReadyNode, nodeName } from './support/nodes.js';
import { onNodes, restrictedPod } from './support/pods.js';
import { readProbes } from './support/probes.js';
import { parseQuantity } from './support/quantity.js';
import { text } from './settings.js';
import { tolerationsForNodes, type AcceleratorProfile } from './profiles/accelerators.js';
import { probeCommand, seen } from './probe.js';

interface PluginSharing { readonly node: string; readonly resource: string; readonly replicas: number; readonly physical: number }
interface PluginPartition { readonly node: string; readonly resource: string; readonly allocatable: number }
interface Env {
  readonly profile: AcceleratorProfile;
  readonly dra?: DraPath & { readonly partitions?: Partitions };
  readonly replicas: readonly PluginSharing[];
  readonly partitionResources: readonly PluginPartition[];
  readonly tolerations: { key: string; operator: string }[];
}

const settings = {
  'sharing.partitionSelector': text({ description: 'a DRA CEL selector that matches device partitions only (default: the accelerator profile\'s, where it has one)', default: undefined, example: 'device.attributes["gpu.nvidia.com"].type == "mig"' }),
};

const IN_CONTAINER = 'SharersSeeOneDevice';

export default defineCheck({
  id: 'gpu_sharing',
  testName: 'TestGPUSharing',
  summary: 'detects DRA shared claims, partitionable DRA devices, time-slicing/MPS replicas and partition resources (MIG); proves that one claimed device is shared by two running pods (one allocation, reserved for both) while a separate claim gets another device, that inside the containers both sharers see exactly that one device and the other claimant a different one, that a partition is schedulable as its own resource, and that a replicated device plugin lets more pods run than there are physical devices',
  needs: 'a real accelerator node with two free devices of the profile\'s DeviceClass (DRA shared claims), or partition resources / replicated devices where the platform uses those',
  cannotProve: 'that time-sliced workloads get fair turns, or memory isolation between sharers; a DRA counter-set partition without a selector it knows (`--set sharing.partitionSelector`)',
  cases: ['SharedClaimOneAllocation', IN_CONTAINER, 'PartitionSchedulable', 'ReplicasOversubscribe'],
  uses: [
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list', 'watch'] },
    { group: 'resource.k8s.io', resources: ['resourceclaims'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods/log'], verbs: ['get'] },
  ],
  settings,
  images: ['pause', 'probe', 'cuda'],
  capacity: { acceleratorNodes: 1 },
  timeoutMs: 8 * 60_000,

  async discover({ cluster, accelerator: profile, list }) {
    const ready = cluster.nodes.filter(isReadyNode);
    const readyNames = new Set(ready.map(nodeName));
    const path = await findDraPath(cluster, profile.deviceClass, readyNames, list);
    const conv = profile.sharing ?? {};
    // A DeviceClass of partitions (NVIDIA's mig.nvidia.com) wins over counting counters.
    const partClass = conv.partitionDeviceClass ? await findDraPath(cluster, conv.partitionDeviceClass, readyNames, list) : undefined;
    const counted = path ? partitionsOf(path.slices).partitions : undefined;
    const parts: Partitions | undefined = partClass
      ? { count: partClass.slices.reduce((n, x) => n + (x.spec.devices?.length ?? 0), 0), example: `${partClass.deviceClass} devices`, nodes: partClass.nodes, deviceClass: partClass.deviceClass }
      : counted;
    const dra = path ? { ...path, ...(parts ? { partitions: parts } : {}) } : undefined;
    const replicas: PluginSharing[] = [];
    const partitionResources: PluginPartition[] = [];
    for (const n of ready) {
      const alloc = n.status?.allocatable ?? {};
      const labels = n.metadata?.labels ?? {};
      const r = conv.replicasLabel ? Number(labels[conv.replicasLabel]) : NaN;
      const phys = conv.physicalCountLabel ? Number(labels[conv.physicalCountLabel]) : NaN;
      const res = profile.extendedResource;
      // NVIDIA's renameByDefault advertises the replicas as <resource>.shared.
      const shared = res ? [res, `${res}.shared`].find((x) => (parseQuantity(alloc[x]) ?? 0) > phys) : undefined;
      if (shared && r > 1 && phys > 0) replicas.push({ node: nodeName(n), resource: shared, replicas: r, physical: phys });
      const re = conv.partitionResource ? new RegExp(conv.partitionResource) : undefined;
      for (const [k, v] of Object.entries(alloc)) if (re?.test(k) && (parseQuantity(v) ?? 0) > 0) partitionResources.push({ node: nodeName(n), resource: k, allocatable: parseQuantity(v)! });
    }
    const found: Record<string, string> = {
      accelerator: profile.name,
      draSharedClaims: dra ? `${dra.deviceClass} (${dra.driver}) on ${dra.nodes.length} node(s)` : 'none',
      draPartitions: dra?.partitions ? `${dra.partitions.count} partitionable device(s), e.g. ${dra.partitions.example}` : 'none',
      pluginReplicas: replicas.length ? replicas.map((x) => `${x.node}: ${x.resource} ×${x.replicas} over ${x.physical} device(s)`).join('; ') : 'none',
      pluginPartitions: partitionResources.length ? [...new Set(partitionResources.map((x) => x.resource))].join(', ') : 'none',
    };
    if (!dra && !replicas.length && !partitionResources.length) {
      return { ready: false, reason: 'missing-component', detail: `no GPU sharing mechanism found for ${profile.name}: no DeviceClass ${profile.deviceClass ?? '-'} with complete pools (DRA shared claims), no replicated device-plugin resource${conv.replicasLabel ? ` (label ${conv.replicasLabel})` : ''}, no partition resource${conv.partitionResource ? ` (${conv.partitionResource})` : ''}`, remedy: 'enable time-slicing, MPS or MIG in the device plugin, or install the DRA driver; or pass --accelerator for another vendor', found };
    }
    // The node offering the most mechanisms, nodes where containers run first.
    const score = (n: string) => Number(dra?.nodes.includes(n) ?? false) * 4 + Number(replicas.some((x) => x.node === n)) * 2 + Number(partitionResources.some((x) => x.node === n) || !!parts?.nodes.includes(n)) - Number(cluster.isSimulated(n)) * 8;
    const nodes = [...new Set([...(dra?.nodes ?? []), ...replicas.map((x) => x.node), ...partitionResources.map((x) => x.node)])].sort((a, b) => score(b) - score(a));
    return { ready: true, env: { profile, ...(dra ? { dra } : {}), replicas, partitionResources, tolerations: tolerationsForNodes(cluster.nodes, nodes, profile) }, found, nodes };
  },

  async prove(env: Env, s) {
    const node = s.nodes[0]!;
    const dra = env.dra?.nodes.includes(node) ? env.dra : undefined;
    const pod = (name: string, spec: { claim?: string; limits?: Record<string, string>; probe?: boolean }): KObject => {
      // The vendor's image where its tool prints identities (NVIDIA's CUDA base has nvidia-smi injected), as secure_accelerator_access does.
      const probeImage = env.profile.name === 'nvidia' && env.profile.tool ? s.images.cuda : s.images.probe;
      const main: Record<string, unknown> = { name: 'main', image: spec.probe ? probeImage : s.images.pause, ...(spec.probe ? { command: probeCommand(env.profile) } : {}) };
      if (spec.limits) main.resources = { limits: spec.limits };
      const body: Record<string, unknown> = { tolerations: env.tolerations, affinity: onNodes([node]), containers: [main] };
      if (spec.claim) {
        body.resourceClaims = [{ name: 'acc', resourceClaimName: spec.claim }];
        main.resources = { claims: [{ name: 'acc' }] };
      }
      return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: restrictedPod(body as never) };
    };
    const noDra = (c: CaseHandle) => (env.dra ? c.notRun('control-failed', `the leased node ${node} publishes no ${env.dra.deviceClass} devices`) : c.notApplicable(`no DRA DeviceClass ${env.profile.deviceClass ?? ''} with complete pools: the cluster does not share devices through DRA claims`));
    const claim = (name: string, selector?: string, deviceClass = dra!.deviceClass) => ({ apiVersion: dra!.gv, kind: 'ResourceClaim', metadata: { name }, spec: { devices: { requests: [deviceRequest(dra!.version, 'acc', deviceClass, selector ? [{ cel: { expression: selector } }] : undefined)] } } });
    const runsContainers = !s.cluster.isSimulated(node);

    // Shared claim: one allocation, two consumers, both running; a separate claim is the control.
    // Applied outside the cases, so the in-container case can read the same pods.
    const free = dra ? await draFree(dra, s, node) : 0;
    if (dra && free >= 2) {
      await s.apply(claim('shared'));
      await s.apply(claim('own'));
      for (const n of ['sharer-a', 'sharer-b']) await s.apply(pod(n, { claim: 'shared', probe: runsContainers }));
      await s.apply(pod('own-claimant', { claim: 'own', probe: runsContainers }));
    }
    let shared: { device: string; identity?: string; other: string; otherIdentity?: string } | undefined;
    await s.case('SharedClaimOneAllocation', async (c) => {
      if (!dra) return noDra(c);
      if (free < 2) return c.notRun('control-failed', `${node} has ${free} free ${dra.deviceClass} device(s); sharing with a control claim needs 2`, 'run when the node has free accelerators');
      const r = await s.waitForPods(['sharer-a', 'sharer-b', 'own-claimant'], 'Running', 120_000);
      if (!r.ok) {
        // Sharing failed only if the shared claim got its device and a sharer still could not run;
        // a claim that found no free device (another tenant took it) is the cluster's state.
        const sc = await s.get<Claim>({ apiVersion: dra.gv, kind: 'ResourceClaim', name: 'shared' });
        const own = await s.get<Claim>({ apiVersion: dra.gv, kind: 'ResourceClaim', name: 'own' });
        const allocated = !!sc?.status?.allocation?.devices?.results?.length;
        const sharerPending = /sharer-/.test(r.message.replace(/own-claimant[^;]*/g, ''));
        if (allocated && sharerPending) return c.fail(`two pods referencing one allocated ResourceClaim run on ${node} at the same time`, r.message);
        if (allocated && !own?.status?.allocation) return c.notRun('control-failed', `the control claim found no free device on ${node} (${r.message})`, 'run when the node has two free accelerators');
        return c.notRun('control-failed', `the shared claim was not allocated on ${node}: ${r.message}`, 'run when the node has free accelerators');
      }
      const sharedClaim = await s.get<Claim>({ apiVersion: dra.gv, kind: 'ResourceClaim', name: 'shared' });
      const ownClaim = await s.get<Claim>({ apiVersion: dra.gv, kind: 'ResourceClaim', name: 'own' });
      const results = sharedClaim?.status?.allocation?.devices?.results ?? [];
      if (results.length !== 1) return c.fail('the shared claim is allocated exactly one device', `${results.length} device(s) allocated`);
      const uids = [...r.value.entries()].filter(([n]) => n.startsWith('sharer-')).map(([, p]) => p.metadata!.uid!);
      const reserved = (sharedClaim?.status?.reservedFor ?? []).map((x) => x.uid);
      if (!uids.every((u) => reserved.includes(u))) return c.fail('the shared claim is reserved for both sharing pods', `reservedFor: ${JSON.stringify(sharedClaim?.status?.reservedFor ?? [])}`);
      const own = ownClaim?.status?.allocation?.devices?.results?.[0];
      const key = (x: { pool: string; device: string }) => `${x.pool}/${x.device}`;
      if (!own) return c.notRun('control-failed', 'the control pod runs, but its own claim shows no allocation');
      if (key(own) === key(results[0]!)) return c.fail('a separate claim gets a device other than the shared one', `both claims were allocated ${key(own)}`);
      shared = { device: key(results[0]!), other: key(own) };
      const id = deviceIdentity(dra.slices, results[0]!, env.profile);
      const otherId = deviceIdentity(dra.slices, own, env.profile);
      if (id) shared = { ...shared, identity: id };
      if (otherId) shared = { ...shared, otherIdentity: otherId };
      c.log(`shared claim → ${shared.device}${id ? ` (${id})` : ''}, reserved for sharer-a and sharer-b; own claim → ${shared.other}${otherId ? ` (${otherId})` : ''}`);
      c.pass(`sharer-a and sharer-b run together on ${node} on one device, ${shared.device}${id ? ` (${id})` : ''}, from one claim reserved for both; a separate claim got ${shared.other}`);
    });

    await s.case(IN_CONTAINER, async (c) => {
      if (!dra) return noDra(c);
      if (!runsContainers) return c.notRun('simulated-nodes', `${node} is simulated (kwok): containers do not run, so no probe can look inside one`, 'run against a cluster with real accelerator nodes');
      if (!shared) return c.notRun('control-failed', 'the shared claim was not proven, so there is nothing to look at inside the containers');
      if (!env.profile.identityEnv && !env.profile.identityFiles && !env.profile.tool) return c.notRun('no-verdict', `the ${env.profile.name} profile names no way for a container to show which device it got`, 'pass a vendor profile with --accelerator');
      const { results, failures } = await readProbes(s, env.profile, { 'sharer-a': ['main'], 'sharer-b': ['main'], 'own-claimant': ['main'] });
      const got = (p: string) => results.get(`${p}/main`);
      const [a, b, o] = [got('sharer-a'), got('sharer-b'), got('own-claimant')];
      if (!a || !b || !o) return c.notRun('control-failed', `a probe did not report (${[...failures].map(([p, why]) => `${p}: ${why}`).join('; ') || 'no result'})`);
      c.log(`sharer-a saw ${seen(a)}; sharer-b saw ${seen(b)}; own-claimant saw ${seen(o)}`);
      if (![a, b, o].some((r) => r.identities.length)) return c.notRun('no-verdict', `no container showed a device identity (${env.profile.tool ? `${env.profile.tool.split(' ')[0]} ${a.toolAbsent ? 'absent' : 'printed none'}` : 'no vendor tool'}; sharer-a saw ${seen(a)})`, 'pass --image to a vendor image whose tool prints device identities');
      // Violations seen need no control: a sharer that sees more than one device, or another device.
      for (const [name, r] of [['sharer-a', a], ['sharer-b', b]] as const) {
        if (r.identities.length > 1 || r.devices.length > 1) return c.fail(`${name}, sharing one claimed device, sees exactly that device`, `it saw ${seen(r)}`);
      }
      if (!a.identities.length || !b.identities.length) return c.fail('both pods sharing one claim see the shared device (a pod with its own claim shows one)', `sharer-a saw ${seen(a)}; sharer-b saw ${seen(b)}`);
      if (a.identities[0] !== b.identities[0]) return c.fail('both pods sharing one claim see the same device', `sharer-a saw ${a.identities[0]}, sharer-b saw ${b.identities[0]}`);
      if (shared.identity && a.identities[0] !== shared.identity) return c.fail(`the sharers see the allocated device ${shared.device} (${shared.identity})`, `they saw ${a.identities[0]}`);
      // "The same device" means something only if a pod with its own claim is shown a different one.
      if (o.identities.length > 1) return c.fail('a pod with its own claim sees exactly its own device', `it saw ${seen(o)}`);
      if (o.identities.length !== 1) return c.notRun('control-failed', `the control container with its own claim showed no device identity (${seen(o)}), so two sharers showing the same one proves nothing`);
      if (o.identities[0] === a.identities[0]) return c.fail('a pod with its own claim sees a device other than the shared one', `it saw ${o.identities[0]} too`);
      c.pass(`both sharers saw ${a.identities[0]}${shared.identity ? `, the allocated device ${shared.device}` : ''}; the pod with its own claim saw ${o.identities[0]}`);
    });
    // The sharers hold devices the partition and replica cases may need.
    for (const n of ['sharer-a', 'sharer-b', 'own-claimant']) if (dra && free >= 2) await s.remove({ apiVersion: 'v1', kind: 'Pod', name: n }, { wait: true });
    for (const n of ['shared', 'own']) if (dra && free >= 2) await s.remove({ apiVersion: dra.gv, kind: 'ResourceClaim', name: n }, { wait: true });

    // A partition claim that stays unallocated because others hold every partition is the cluster's state.
    const partitionTimeout = async (c: CaseHandle, expected: string, message: string) => {
      const cl = await s.get<Claim>({ apiVersion: dra!.gv, kind: 'ResourceClaim', name: 'one-partition' });
      if (!cl?.status?.allocation) return c.notRun('control-failed', `the partition claim was never allocated on ${node} (all partitions in use, or the selector matches none): ${message}`, 'run when the node has a free partition, or check --set sharing.partitionSelector');
      return c.fail(expected, message);
    };
    await s.case('PartitionSchedulable', async (c) => {
      const part = env.partitionResources.find((x) => x.node === node);
      if (!part && env.partitionResources.length && !dra?.partitions) return c.notRun('control-failed', `partition resources are advertised on ${[...new Set(env.partitionResources.map((x) => x.node))].join(', ')}, not on the leased node ${node}`, 'run when one of those nodes is free');
      if (part) {
        const free = part.allocatable - (await usedOnNode(s, node, part.resource));
        if (free < 1) return c.notRun('control-failed', `${node} has no free ${part.resource}`, 'run when the node has a free partition');
        await s.apply(pod('partition-user', { limits: { [part.resource]: '1' } }));
        const r = await s.waitForPods(['partition-user'], 'Running', 120_000);
        if (!r.ok) return c.fail(`a pod requesting one ${part.resource} runs on ${node}`, r.message);
        return c.pass(`a pod requesting one ${part.resource} (a partition, its own resource) runs on ${node}`);
      }
      if (dra?.partitions && !dra.partitions.nodes.includes(node)) return c.notRun('control-failed', `partitions are published on ${dra.partitions.nodes.join(', ')}, not on the leased node ${node}`, 'run when one of those nodes is free');
      if (dra?.partitions?.deviceClass) {
        await s.apply(claim('one-partition', undefined, dra.partitions.deviceClass));
        await s.apply(pod('partition-user', { claim: 'one-partition' }));
        const r = await s.waitForPods(['partition-user'], 'Running', 120_000);
        if (!r.ok) return partitionTimeout(c, `a pod claiming one ${dra.partitions.deviceClass} device runs on ${node}`, r.message);
        return c.pass(`a pod claiming one device of the partition class ${dra.partitions.deviceClass} runs on ${node}`);
      }
      if (dra?.partitions) {
        const selector = s.settings['sharing.partitionSelector'] ?? env.profile.sharing?.draPartitionSelector;
        if (!selector) return c.notRun('no-verdict', `${dra.driver} publishes ${dra.partitions.count} partitionable device(s) (e.g. ${dra.partitions.example}), but kaic knows no selector that picks a partition of them`, 'pass --set sharing.partitionSelector=<CEL that matches partitions only>');
        await s.apply(claim('one-partition', selector));
        await s.apply(pod('partition-user', { claim: 'one-partition' }));
        const r = await s.waitForPods(['partition-user'], 'Running', 120_000);
        if (!r.ok) return partitionTimeout(c, `a pod claiming one partition (${selector}) runs on ${node}`, r.message);
        const got = (await s.get<Claim>({ apiVersion: dra.gv, kind: 'ResourceClaim', name: 'one-partition' }))?.status?.allocation?.devices?.results?.[0];
        const isPartition = got && partitionsOf(dra.slices).names.has(`${got.pool}/${got.device}`);
        if (!got || !isPartition) return c.fail(`the claim with selector ${selector} is allocated a partition`, got ? `it got ${got.pool}/${got.device}, a whole device` : 'no allocation');
        return c.pass(`a claim for one partition got ${got.pool}/${got.device}, and its pod runs on ${node}`);
      }
      c.notApplicable(`${node} advertises no partitions (no partition resource${env.profile.sharing?.partitionResource ? ` matching ${env.profile.sharing.partitionResource}` : ''}, no DRA device drawing on a shared counter set)`);
    });

    await s.case('ReplicasOversubscribe', async (c) => {
      const rep = env.replicas.find((x) => x.node === node);
      if (!rep && env.replicas.length) return c.notRun('control-failed', `replicated devices are advertised on ${env.replicas.map((x) => x.node).join(', ')}, not on the leased node ${node}`, 'run when one of those nodes is free');
      if (!rep) return c.notApplicable(`no node advertises a replicated ${env.profile.extendedResource ?? 'device-plugin'} resource (time-slicing or MPS)`);
      const want = rep.physical + 1;
      const n = await s.get<V1Node>({ apiVersion: 'v1', kind: 'Node', name: node });
      const free = (parseQuantity(n?.status?.allocatable?.[rep.resource]) ?? 0) - (await usedOnNode(s, node, rep.resource));
      if (free < want) return c.notRun('control-failed', `${node} has ${free} free ${rep.resource} replicas; running more pods than its ${rep.physical} physical device(s) needs ${want}`, 'run when the node is idle');
      const names = Array.from({ length: want }, (_, i) => `replica-${i}`);
      for (const name of names) await s.apply(pod(name, { limits: { [rep.resource]: '1' } }));
      const r = await s.waitForPods(names, 'Running', 120_000);
      if (!r.ok) return c.fail(`${want} pods, one replica of ${rep.resource} each, run on ${node} with ${rep.physical} physical device(s)`, r.message);
      c.pass(`${want} pods each holding one ${rep.resource} run at once on ${node}, which has ${rep.physical} physical device(s) (${rep.replicas} replicas each)`);
    });
  },
});

/** Free devices of the path on a node, now (other tenants' claims included). */
async function draFree(dra: DraPath, s: CheckScope, node: string): Promise<number> {
  const taken = await allocatedDevices(s, dra.gv);
  const devices = dra.slices.filter((x) => x.spec.nodeName === node).flatMap((x) => x.spec.devices?.map((d) => `${dra.driver}/${x.spec.pool.name}/${d.name}`) ?? []);
  return devices.filter((d) => !taken.has(d)).length;
}
