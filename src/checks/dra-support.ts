import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type Discovery, type KObject } from './api.js';
import { isReadyNode } from './support/nodes.js';
import { allocatedDevices, attributesOf, attributeText, completePools, deviceRequest, draVersionFor, driverOf, findDevice, type Attribute, type Claim, type DeviceClassObj, type Slice } from './support/dra.js';
import { onNodes, restrictedPod, schedulerRefused } from './support/pods.js';
import { tolerationsForNodes } from './profiles/accelerators.js';

const KINDS = ['deviceclasses', 'resourceclaims', 'resourceclaimtemplates', 'resourceslices'] as const;
const NEEDED_VERBS = ['create', 'delete', 'get', 'list', 'watch'];

interface Env {
  readonly gv: string;
  readonly expected: readonly string[];
  readonly missingVerbs: readonly string[];
  readonly classes: readonly string[];
  readonly deviceClass?: string;
  readonly driver?: string;
  readonly slices: readonly Slice[];
  readonly readyNodes: ReadonlySet<string>;
  readonly tolerations: { key: string; operator: string }[];
}

export default defineCheck({
  id: 'dra_support',
  testName: 'TestDRASupport',
  summary: 'the DRA API of the cluster\'s version is served; a DeviceClass with complete ResourceSlice pools; the scheduler allocates and reserves a claimed device, and honours a CEL selector on a published attribute',
  needs: 'the DRA API of the cluster\'s Kubernetes version and, for the allocation cases, a DeviceClass with devices',
  cannotProve: 'that a driver prepares devices correctly inside containers (secure_accelerator_access does)',
  cases: ['APIServed', 'DeviceClassPresent', 'CompleteResourceSlices', 'ClaimAllocatedAndReserved', 'SelectorMatchesAttribute'],
  uses: [
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list', 'watch'] },
    { group: 'resource.k8s.io', resources: ['resourceclaims', 'resourceclaimtemplates'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  ],
  settings: {},
  images: ['pause'],
  capacity: { acceleratorNodes: 1 },
  timeoutMs: 5 * 60_000,

  async discover({ cluster, accelerator, list }): Promise<Discovery<Env>> {
    const { expected, served } = draVersionFor(cluster);
    const broken = expected.map((v) => cluster.unavailable.get(`resource.k8s.io/${v}`)).find(Boolean);
    if (!served && broken) return { ready: false, reason: 'api-error', detail: `discovery of resource.k8s.io failed (${broken}): cannot tell whether DRA is served`, remedy: 'check the API server, then run again' };
    const gv = `resource.k8s.io/${served ?? expected[0]}`;
    const readyNodes = new Set(cluster.nodes.filter(isReadyNode).map((n) => n.metadata!.name!));
    const none: Env = { gv, expected, missingVerbs: [], classes: [], slices: [], readyNodes, tolerations: [] };
    if (!served || !KINDS.every((k) => cluster.serves(gv, k))) return { ready: true, env: none, found: { api: `${expected.map((v) => `resource.k8s.io/${v}`).join(' or ')} not served` } };
    const missingVerbs = KINDS.flatMap((k) => NEEDED_VERBS.filter((v) => !cluster.verbs(gv, k).includes(v)).map((v) => `${k}:${v}`));
    const classes = await list<DeviceClassObj>({ apiVersion: gv, kind: 'DeviceClass' });
    const slices = await list<Slice>({ apiVersion: gv, kind: 'ResourceSlice' });
    // The accelerator's own class when it has complete pools; otherwise any class that does.
    const usable = (c: DeviceClassObj) => completePools(slices, driverOf(c), readyNodes).complete.length > 0;
    const preferred = classes.find((c) => c.metadata.name === accelerator.deviceClass);
    const cls = accelerator.name.startsWith('dra:') ? preferred : preferred && usable(preferred) ? preferred : classes.find(usable) ?? preferred;
    const driver = cls ? driverOf(cls) : undefined;
    const pools = driver ? completePools(slices, driver, readyNodes).complete : [];
    const nodes = [...new Set(pools.map((p) => p.node).filter((n): n is string => !!n))];
    return {
      ready: true,
      env: { ...none, missingVerbs, classes: classes.map((c) => c.metadata.name), ...(cls ? { deviceClass: cls.metadata.name } : {}), ...(driver ? { driver } : {}), slices, tolerations: tolerationsForNodes(cluster.nodes, nodes, accelerator) },
      found: { api: gv, deviceClass: cls?.metadata.name ?? 'none', driver: driver ?? 'none', resourceSlices: String(slices.length) },
      nodes,
    };
  },

  async prove(env: Env, s) {
    const version = env.gv.split('/')[1]!;
    await s.case('APIServed', async (c) => {
      const want = `${env.expected.map((v) => `resource.k8s.io/${v}`).join(' or ')} serving ${KINDS.join(', ')} (the DRA API of Kubernetes ${s.cluster.version.gitVersion})`;
      if (!KINDS.every((k) => s.cluster.serves(env.gv, k))) return c.fail(want, `not served (the API group or version is switched off${s.cluster.servedVersions('resource.k8s.io').length ? `; served: ${s.cluster.servedVersions('resource.k8s.io').map((v) => `resource.k8s.io/${v}`).join(', ')}` : ''})`);
      if (env.missingVerbs.length) return c.fail(`${NEEDED_VERBS.join('/')} on each DRA resource`, `missing verbs: ${env.missingVerbs.join(', ')}`);
      c.pass(`${env.gv} serves DeviceClass, ResourceClaim, ResourceClaimTemplate and ResourceSlice with ${NEEDED_VERBS.join(', ')}`);
    });
    const served = s.cluster.serves(env.gv, 'resourceclaims');
    const notServed = (c: { notRun: (r: 'missing-component', d: string, rem?: string) => void }) => c.notRun('missing-component', `${env.gv} is not served`, `enable ${env.gv}`);
    await s.case('DeviceClassPresent', async (c) => {
      if (!served) return notServed(c);
      // The API is served but no driver is installed at all: nothing to prove allocation with. That
      // is not a broken DRA (FAIL), and not a proven one (PASS).
      if (!env.classes.length && !env.slices.length) return c.notRun('missing-component', 'the DRA API is served, but no DRA driver is installed (no DeviceClass, no ResourceSlice): allocation cannot be proven', `install the accelerator's DRA driver (or any DRA driver), or pass --accelerator dra:<deviceClass>`);
      if (!env.deviceClass) return c.fail(`a DeviceClass for the ${s.accelerator.name} accelerator, or any DeviceClass with devices`, env.classes.length ? `DeviceClasses present: ${env.classes.join(', ')}, none of them selecting a driver that publishes devices` : 'no DeviceClass at all (no DRA driver installed?)');
      c.pass(`DeviceClass ${env.deviceClass} selects driver ${env.driver}`);
    });
    await s.case('CompleteResourceSlices', async (c) => {
      if (!served) return notServed(c);
      if (!env.driver) return c.notRun('missing-component', 'no DeviceClass, so no driver to look for', `install a DRA driver, or pass --accelerator dra:<deviceClass>`);
      const { complete, incomplete } = completePools(env.slices, env.driver, env.readyNodes);
      if (complete.length === 0) return c.fail(`at least one complete ResourceSlice pool from driver ${env.driver} on a Ready node`, incomplete.length ? `incomplete pools: ${incomplete.join('; ')}` : `no ResourceSlice from driver ${env.driver} (the driver publishes nothing)`);
      c.pass(`${complete.length} complete pool(s) from ${env.driver}: ${complete.map((p) => `${p.pool}${p.node ? `@${p.node}` : ''} (${p.devices} devices)`).join(', ')}${incomplete.length ? `; incomplete: ${incomplete.join('; ')}` : ''}`);
    });
    const claimable = served && env.deviceClass && env.driver && completePools(env.slices, env.driver, env.readyNodes).complete.length > 0;
    const pin = s.nodes.length ? { affinity: onNodes(s.nodes) } : {};
    const pod = (name: string, claim: { resourceClaimTemplateName: string } | { resourceClaimName: string }): KObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: restrictedPod({ ...pin, tolerations: env.tolerations, resourceClaims: [{ name: 'dev', ...claim }], containers: [{ name: 'main', image: s.images.pause, resources: { claims: [{ name: 'dev' }] } }] }),
    });
    const claimOf = async (p: V1Pod) => {
      const name = p.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
      return name ? s.get<Claim>({ apiVersion: env.gv, kind: 'ResourceClaim', name }) : undefined;
    };

    // What the scheduler allocated in the first claim case: a device the class selects and that was free.
    let allocated: { driver: string; pool: string; device: string } | undefined;
    const freeDevices = async () => {
      const taken = await allocatedDevices(s, env.gv);
      return env.slices.filter((x) => x.spec.driver === env.driver && (!s.nodes.length || s.nodes.includes(x.spec.nodeName ?? ''))).flatMap((x) => (x.spec.devices ?? []).map((d) => ({ pool: x.spec.pool.name, device: d })).filter((d) => !taken.has(`${env.driver}/${d.pool}/${d.device.name}`)));
    };

    await s.case('ClaimAllocatedAndReserved', async (c) => {
      if (!claimable) return c.notRun('missing-component', 'no DeviceClass with a complete pool to claim from');
      if ((await freeDevices()).length === 0) return c.notRun('control-failed', `every device of ${env.driver} on ${s.nodes.join(', ') || 'the cluster'} is allocated to other claims`, 'run when a device is free');
      await s.apply({ apiVersion: env.gv, kind: 'ResourceClaimTemplate', metadata: { name: 'one-device' }, spec: { spec: { devices: { requests: [deviceRequest(version, 'dev', env.deviceClass!)] } } } });
      await s.apply(pod('dra-claimant', { resourceClaimTemplateName: 'one-device' }));
      const r = await s.waitForPods(['dra-claimant'], 'Running', 120_000);
      if (!r.ok) return c.fail('the scheduler allocates a device and binds the pod; the pod runs', r.message);
      const p = r.value.get('dra-claimant')!;
      const claim = await claimOf(p);
      const result = claim?.status?.allocation?.devices?.results?.[0];
      if (!claim || !result) return c.fail('the pod\'s claim is allocated', claim ? `claim ${claim.metadata.name} has no allocation` : 'the pod names no claim');
      if (!claim.status?.reservedFor?.some((x) => x.uid === p.metadata!.uid)) return c.fail(`claim ${claim.metadata.name} reserved for pod dra-claimant`, `reservedFor: ${JSON.stringify(claim.status?.reservedFor ?? [])}`);
      const slice = env.slices.find((x) => x.spec.driver === result.driver && x.spec.pool.name === result.pool && x.spec.devices?.some((d) => d.name === result.device));
      if (slice?.spec.nodeName && slice.spec.nodeName !== p.spec!.nodeName) return c.fail(`a device from the node the pod runs on (${p.spec!.nodeName})`, `device ${result.pool}/${result.device} is published for node ${slice.spec.nodeName}`);
      allocated = result;
      c.pass(`claim ${claim.metadata.name} allocated ${result.driver}/${result.pool}/${result.device} and reserved for pod dra-claimant, which runs on ${p.spec!.nodeName}`);
    });

    await s.case('SelectorMatchesAttribute', async (c) => {
      if (!claimable) return c.notRun('missing-component', 'no DeviceClass with a complete pool to claim from');
      // Target the device the scheduler just allocated (the class selects it), once it is free again.
      if (!allocated) return c.notRun('no-verdict', 'no device was allocated in ClaimAllocatedAndReserved, so none is known to be selectable by the class');
      const target = allocated;
      await s.waitFor({ apiVersion: env.gv, kind: 'ResourceClaim' }, 'the previous case\'s claim to be released', (m) => (m.size === 0 ? true : undefined), { timeoutMs: 60_000 });
      if (!(await freeDevices()).some((d) => d.pool === target.pool && d.device.name === target.device)) return c.notRun('control-failed', `device ${target.pool}/${target.device} was taken by another claim in the meantime`);
      const pool = env.slices.filter((x) => x.spec.driver === target.driver && x.spec.pool.name === target.pool).flatMap((x) => x.spec.devices ?? []);
      const dev = pool.find((d) => d.name === target.device);
      const unique = Object.entries(dev ? attributesOf(dev) : {}).find(([key, a]) => !key.includes('/') && (a.string !== undefined || a.int !== undefined) && pool.filter((o) => attributeText(attributesOf(o)[key]) === attributeText(a)).length === 1);
      if (!unique) return c.notRun('no-verdict', `no published string or int attribute tells ${target.device} apart from the other devices of pool ${target.pool}`, 'publish a device identity attribute (uuid, index) in the ResourceSlices');
      const [key, a] = unique;
      const literal = (v: Attribute) => (v.string !== undefined ? JSON.stringify(v.string) : String(v.int));
      const pick = { key, cel: `device.attributes["${target.driver}"].${key} == ${literal(a)}` };
      const claim = (name: string, cel: string) => ({ apiVersion: env.gv, kind: 'ResourceClaim', metadata: { name }, spec: { devices: { requests: [deviceRequest(version, 'dev', env.deviceClass!, [{ cel: { expression: cel } }])] } } });
      await s.apply(claim('by-attribute', pick.cel));
      await s.apply(pod('selector-claimant', { resourceClaimName: 'by-attribute' }));
      const r = await s.waitForPods(['selector-claimant'], 'Scheduled', 90_000);
      if (!r.ok) return c.fail(`a claim selecting ${pick.cel} is allocated`, r.message);
      const got = (await s.get<Claim>({ apiVersion: env.gv, kind: 'ResourceClaim', name: 'by-attribute' }))?.status?.allocation?.devices?.results?.[0];
      if (!got) return c.fail(`a claim selecting ${pick.cel} is allocated`, 'bound pod, but the claim has no allocation');
      const gotDev = findDevice(env.slices, got);
      if (got.pool !== target.pool || got.device !== target.device) return c.fail(`the device matching ${pick.cel} (${target.pool}/${target.device})`, `allocated ${got.pool}/${got.device} (${pick.key}=${attributeText(gotDev ? attributesOf(gotDev)[pick.key] : undefined) ?? '?'})`);
      // Negative, with the allocation above as its control: a value of the same type no device has.
      const impossible = `device.attributes["${target.driver}"].${key} == ${a.string !== undefined ? '"kaic-matches-nothing"' : '-424242'}`;
      await s.apply(claim('matches-nothing', impossible));
      await s.apply(pod('impossible-claimant', { resourceClaimName: 'matches-nothing' }));
      const held = await s.holdsFor({ apiVersion: env.gv, kind: 'ResourceClaim', fieldSelector: 'metadata.name=matches-nothing' }, 'the unsatisfiable claim to stay unallocated', (m) => {
        const cl = [...m.values()][0] as Claim | undefined;
        const res = cl?.status?.allocation?.devices?.results?.[0];
        return res ? `allocated ${res.pool}/${res.device} although nothing matches ${impossible}` : undefined;
      }, 8_000);
      if (!held.held) return c.fail('a claim whose selector matches no device stays unallocated', held.violation);
      const refused = await schedulerRefused(s, 'impossible-claimant');
      if (!refused) return c.notRun('no-verdict', 'the unsatisfiable claim stayed unallocated, but the scheduler never said it could not place its pod: a slow scheduler proves nothing');
      c.pass(`a claim selecting ${pick.cel} got ${got.pool}/${got.device}; one selecting a value no device has stayed unallocated for 8s (scheduler: "${refused}")`);
    });
  },
});
