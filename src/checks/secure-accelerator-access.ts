import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { listObjects, rawRequest } from '../cluster/api.js';
import { isReady, serves, type ClusterView } from '../cluster/view.js';
import { completePools, describePod, driverOf, restricted } from './dra-support.js';
import { acceleratorNodes, tolerationsForNodes, type AcceleratorProfile } from './profiles/accelerators.js';
import { parseProbe, probeCommand, seen, type ProbeResult } from './probe.js';
import { defineCheck, type CaseHandle, type CheckScope, type Discovery } from './types.js';

interface SliceDevice { name: string; attributes?: Record<string, { string?: string; int?: number; version?: string }> }
interface Slice { spec: { driver: string; nodeName?: string; pool: { name: string; generation: number; resourceSliceCount: number }; devices?: SliceDevice[] } }

interface Env {
  readonly profile: AcceleratorProfile;
  readonly simulated: boolean;
  readonly dra?: { deviceClass: string; driver: string; slices: Slice[] };
  readonly plugin?: { resource: string; nodes: string[] };
  readonly tolerations: { key: string; operator: string }[];
}

const IN_CONTAINER = ['GrantedContainerSeesItsDevices', 'UngrantedPodSeesNone', 'UngrantedSiblingSeesNone', 'DistinctDevicesInsideContainers'] as const;

/** The pod-spec fragments that grant one accelerator on each path. */
type Grant = 'dra' | 'plugin';

function podSpec(env: Env, s: CheckScope, name: string, grant: Grant | undefined, opts: { sibling?: boolean; node?: string; probe?: boolean } = {}): V1Pod {
  const image = opts.probe ? (env.profile.tool && env.profile.name === 'nvidia' ? s.options.images.cuda : s.options.images.probe) : s.options.images.pause;
  const command = opts.probe ? probeCommand(env.profile) : undefined;
  const main = { name: 'granted', image, ...(command ? { command } : {}), securityContext: restricted(), resources: {} as Record<string, unknown> };
  const spec: Record<string, unknown> = {
    tolerations: env.tolerations,
    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
    restartPolicy: 'Never',
    containers: [main],
  };
  if (grant === 'dra') {
    spec.resourceClaims = [{ name: 'acc', resourceClaimTemplateName: 'one-accelerator' }];
    main.resources = { claims: [{ name: 'acc' }] };
  } else if (grant === 'plugin') {
    main.resources = { limits: { [env.plugin!.resource]: '1' } };
  } else main.name = 'ungranted';
  if (opts.sibling) (spec.containers as unknown[]).push({ name: 'sibling', image, ...(command ? { command } : {}), securityContext: restricted() });
  if (opts.node) spec.nodeName = opts.node;
  return { metadata: { name, namespace: s.namespace }, spec } as unknown as V1Pod;
}

async function runningPods(s: CheckScope, names: string[], what: string): Promise<Map<string, V1Pod>> {
  return s.waitFor({ path: `/api/v1/namespaces/${s.namespace}/pods` }, what, (m) => {
    const pods = [...m.values()] as V1Pod[];
    const ready = names.map((n) => pods.find((p) => p.metadata?.name === n)).filter((p): p is V1Pod => p?.status?.phase === 'Running');
    return ready.length === names.length ? new Map(ready.map((p) => [p.metadata!.name!, p])) : undefined;
  }, 120_000, (m) => [...m.values()].map((p) => `${p.metadata?.name}: ${describePod(new Map([['x', p]]))}`).join('; '));
}

async function claimOf(s: CheckScope, pod: V1Pod) {
  const name = pod.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
  const claims = await listObjects<KubernetesObject & { status?: { allocation?: { devices?: { results?: { driver: string; pool: string; device: string }[] } }; reservedFor?: { uid: string }[] } }>(s.kc, 'ResourceClaim', { namespace: s.namespace });
  return claims.find((c) => c.metadata?.name === name);
}

async function containerLog(s: CheckScope, pod: string, container: string): Promise<string> {
  const res = await rawRequest(s.kc, 'GET', `/api/v1/namespaces/${s.namespace}/pods/${pod}/log?container=${container}`).catch((e: Error) => `log unavailable: ${e.message}`);
  return typeof res === 'string' ? res : JSON.stringify(res);
}

export default defineCheck<Env>({
  id: 'secure_accelerator_access',
  testName: 'TestSecureAcceleratorAccess',
  cases: ['DRAAllocationsAreExclusive', 'DevicePluginPlacement', 'UngrantedPodPlacement', ...IN_CONTAINER],

  async discover(view: ClusterView, options): Promise<Discovery<Env>> {
    const profile = options.accelerator;
    let dra: Env['dra'];
    if (profile.deviceClass && serves(view, 'resource.k8s.io/v1', 'deviceclasses')) {
      const cls = (await listObjects<{ metadata: { name: string }; spec?: { selectors?: { cel?: { expression?: string } }[] } }>(view.kc, 'DeviceClass')).find((c) => c.metadata.name === profile.deviceClass);
      if (cls) {
        const driver = driverOf(cls);
        const slices = (await listObjects<Slice>(view.kc, 'ResourceSlice')).filter((x) => x.spec.driver === driver);
        const ready = new Set(view.nodes.filter(isReady).map((n) => n.metadata!.name!));
        if (completePools(slices as never, driver, ready).complete.length) dra = { deviceClass: cls.metadata.name, driver, slices };
      }
    }
    const res = profile.extendedResource;
    const nodes = res ? acceleratorNodes(view, profile).filter((n) => Number(n.status?.allocatable?.[res] ?? 0) > 0).map((n) => n.metadata!.name!) : [];
    const plugin = res && nodes.length ? { resource: res, nodes } : undefined;
    const found: Record<string, string> = { accelerator: profile.name, dra: dra ? `${dra.deviceClass} (${dra.driver})` : 'none', devicePlugin: plugin ? `${plugin.resource} on ${plugin.nodes.length} node(s)` : 'none', nodes: view.simulated ? 'simulated (kwok)' : 'real' };
    if (!dra && !plugin) {
      return { ready: false, reason: 'missing-component', detail: `no ${profile.name} accelerator exposed: no DeviceClass ${profile.deviceClass ?? '-'} with complete ResourceSlices and no node with allocatable ${res ?? '-'}`, remedy: 'install the accelerator\'s DRA driver or device plugin, or pass --accelerator amd|intel|neuron|dra:<deviceClass>', found };
    }
    const hosts = [...(dra?.slices.map((x) => x.spec.nodeName).filter((n): n is string => !!n) ?? []), ...(plugin?.nodes ?? [])];
    return { ready: true, env: { profile, simulated: view.simulated, dra, plugin, tolerations: tolerationsForNodes(view, hosts, profile) }, found };
  },

  async prove(env, s) {
    if (env.dra) await s.create('ResourceClaimTemplate', { metadata: { name: 'one-accelerator', namespace: s.namespace }, spec: { spec: { devices: { requests: [{ name: 'acc', exactly: { deviceClassName: env.dra.deviceClass } }] } } } } as never);

    await s.case('DRAAllocationsAreExclusive', async (c) => {
      if (!env.dra) return c.notRun('missing-component', 'no DRA driver for the accelerator; the device-plugin path is checked instead');
      for (const n of ['claimant-a', 'claimant-b']) await s.create('Pod', podSpec(env, s, n, 'dra'));
      const pods = await runningPods(s, ['claimant-a', 'claimant-b'], 'two pods with one claimed device each to run').catch((e: Error) => e);
      if (pods instanceof Error) return c.fail('both claimants scheduled with a device each and running', pods.message);
      const seen: { pod: string; device: string; identity?: string }[] = [];
      for (const [name, pod] of pods) {
        const claim = await claimOf(s, pod);
        const r = claim?.status?.allocation?.devices?.results ?? [];
        if (r.length !== 1) return c.fail(`pod ${name}'s claim allocated exactly one device`, `${r.length} devices allocated`);
        const reservedFor = claim?.status?.reservedFor ?? [];
        if (reservedFor.length !== 1 || reservedFor[0]!.uid !== pod.metadata!.uid) return c.fail(`claim of ${name} reserved for ${name} only`, `reservedFor: ${JSON.stringify(reservedFor)}`);
        const dev = env.dra!.slices.find((x) => x.spec.pool.name === r[0]!.pool)?.spec.devices?.find((d) => d.name === r[0]!.device);
        const idAttr = dev?.attributes?.[env.profile.identityAttribute];
        seen.push({ pod: name, device: `${r[0]!.driver}/${r[0]!.pool}/${r[0]!.device}`, identity: idAttr?.string ?? idAttr?.version ?? (idAttr?.int !== undefined ? String(idAttr.int) : undefined) });
      }
      const [a, b] = seen as [(typeof seen)[0], (typeof seen)[0]];
      c.log(`allocations: ${seen.map((x) => `${x.pod} → ${x.device}${x.identity ? ` (${env.profile.identityAttribute} ${x.identity})` : ''}`).join(', ')}`);
      if (a.device === b.device) return c.fail('two granted pods get distinct devices', `both got ${a.device}`);
      if (a.identity && b.identity && a.identity === b.identity) return c.fail('two granted pods get distinct physical devices', `${a.device} and ${b.device} are the same device: both have ${env.profile.identityAttribute} ${a.identity}`);
      c.pass(`distinct devices, each claim reserved for its own pod only: ${seen.map((x) => `${x.pod} → ${x.device}${x.identity ? ` [${x.identity}]` : ''}`).join(', ')}`);
    });

    await s.case('DevicePluginPlacement', async (c) => {
      if (!env.plugin) return c.notRun('missing-component', `no node offers ${env.profile.extendedResource ?? 'a device-plugin resource'}; the DRA path is checked instead`);
      for (const n of ['plugin-a', 'plugin-b']) await s.create('Pod', podSpec(env, s, n, 'plugin'));
      const pods = await runningPods(s, ['plugin-a', 'plugin-b'], `two pods with one ${env.plugin.resource} each to run`).catch((e: Error) => e);
      if (pods instanceof Error) return c.fail(`both pods placed on nodes offering ${env.plugin.resource}`, pods.message);
      const wrong = [...pods.values()].filter((p) => !env.plugin!.nodes.includes(p.spec!.nodeName!));
      if (wrong.length) return c.fail(`pods requesting ${env.plugin.resource} run only on accelerator nodes`, wrong.map((p) => `${p.metadata!.name} on ${p.spec!.nodeName}`).join(', '));
      c.pass(`both pods placed on accelerator nodes: ${[...pods.values()].map((p) => `${p.metadata!.name} → ${p.spec!.nodeName}`).join(', ')}`);
    });

    const target = env.dra ? env.dra.slices.find((x) => x.spec.nodeName)?.spec.nodeName : env.plugin?.nodes[0];
    await s.case('UngrantedPodPlacement', async (c) => {
      if (!target) return c.notRun('missing-component', 'no accelerator node to pin to');
      await s.create('Pod', podSpec(env, s, 'ungranted', undefined, { node: target }));
      const pods = await runningPods(s, ['ungranted'], `a pod without an accelerator request to run on ${target}`).catch((e: Error) => e);
      if (pods instanceof Error) return c.fail(`a pod without a request can run on accelerator node ${target} (needed for the negative test)`, pods.message);
      c.pass(`pod without an accelerator request runs on accelerator node ${target}`);
    });

    if (env.simulated) {
      for (const name of IN_CONTAINER) {
        await s.case(name, async (c) => c.notRun('simulated-nodes', 'the nodes are simulated (kwok): containers do not run, so no probe can look inside one', 'run against a cluster with real accelerator nodes'));
      }
      return;
    }
    await proveInContainer(env, s, target);
  },

  procedure(env) {
    const cls = env.dra?.deviceClass ?? env.profile.deviceClass ?? '<deviceClass>';
    const tol = JSON.stringify(env.tolerations);
    return [
      `# two pods, one device each: their claims must name different devices`,
      `kubectl -n $NS apply -f - <<'EOF'\napiVersion: resource.k8s.io/v1\nkind: ResourceClaimTemplate\nmetadata: {name: one-accelerator}\nspec: {spec: {devices: {requests: [{name: acc, exactly: {deviceClassName: ${cls}}}]}}}\nEOF`,
      ...['a', 'b'].map((x) => `kubectl -n $NS apply -f - <<'EOF'\napiVersion: v1\nkind: Pod\nmetadata: {name: claimant-${x}}\nspec:\n  tolerations: ${tol}\n  resourceClaims: [{name: acc, resourceClaimTemplateName: one-accelerator}]\n  containers: [{name: granted, image: registry.k8s.io/e2e-test-images/busybox:1.37.0-1, command: [sh, -c, 'ls -l ${env.profile.deviceGlobs.join(' ')}; ${env.profile.tool ?? 'true'}; sleep 3600'], resources: {claims: [{name: acc}]}}]\nEOF`),
      "kubectl -n $NS get resourceclaims -o custom-columns=CLAIM:.metadata.name,DEVICE:.status.allocation.devices.results[*].device,POOL:.status.allocation.devices.results[*].pool,FOR:.status.reservedFor[*].name",
      'kubectl -n $NS logs claimant-a; kubectl -n $NS logs claimant-b   # each lists only its own device',
    ];
  },
});

async function probePod(env: Env, s: CheckScope, name: string, grant: Grant | undefined, opts: { sibling?: boolean; node?: string }) {
  await s.create('Pod', podSpec(env, s, name, grant, { ...opts, probe: true }));
}

async function probeResults(s: CheckScope, pods: Record<string, string[]>): Promise<Map<string, ProbeResult> | Error> {
  const names = Object.keys(pods);
  const running = await runningPods(s, names, `probe pods ${names.join(', ')} to run`).catch((e: Error) => e);
  if (running instanceof Error) return running;
  const out = new Map<string, ProbeResult>();
  const deadline = Date.now() + 60_000;
  for (const [pod, containers] of Object.entries(pods)) {
    for (const ctr of containers) {
      let r = parseProbe(await containerLog(s, pod, ctr));
      while (!r.done && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 1000)); // logs have no watch; bounded poll
        r = parseProbe(await containerLog(s, pod, ctr));
      }
      if (!r.done) return new Error(`probe in ${pod}/${ctr} printed no result within 60s`);
      out.set(`${pod}/${ctr}`, r);
    }
  }
  return out;
}

/** The in-container half: only on nodes where containers really run. */
async function proveInContainer(env: Env, s: CheckScope, node: string | undefined) {
  const grant: Grant = env.dra ? 'dra' : 'plugin';
  await probePod(env, s, 'probe-granted-a', grant, { sibling: true });
  await probePod(env, s, 'probe-granted-b', grant, {});
  if (node) await probePod(env, s, 'probe-ungranted', undefined, { node });
  const res = await probeResults(s, { 'probe-granted-a': ['granted', 'sibling'], 'probe-granted-b': ['granted'], ...(node ? { 'probe-ungranted': ['ungranted'] } : {}) });
  const fail = (c: CaseHandle) => c.fail('probe pods run and report what they see', (res as Error).message);
  const a = res instanceof Error ? undefined : res.get('probe-granted-a/granted');
  await s.case('GrantedContainerSeesItsDevices', async (c) => {
    if (res instanceof Error || !a) return fail(c);
    if (a.devices.length === 0) return c.fail('a granted container sees its accelerator', `granted container saw ${seen(a)}`);
    if (a.devices.length > 1 && a.identities.length !== 1) return c.fail('a container granted one accelerator sees exactly one', `it saw ${seen(a)}`);
    c.pass(`granted container saw ${seen(a)}`);
  });
  // Every "sees none" below is judged only because the granted probe above proved it can see devices.
  const control = !!a && a.devices.length > 0;
  await s.case('UngrantedPodSeesNone', async (c) => {
    if (res instanceof Error) return fail(c);
    if (!node) return c.notRun('missing-component', 'no accelerator node to pin to');
    if (!control) return c.notRun('no-verdict', 'the granted probe saw no device, so a probe seeing none proves nothing');
    const u = res.get('probe-ungranted/ungranted')!;
    if (u.devices.length || u.identities.length) return c.fail(`a pod without a request on ${node} sees no accelerator`, `it saw ${seen(u)}`);
    c.pass(`pod without a request on ${node} saw ${seen(u)} (the granted probe saw ${a!.devices.length})`);
  });
  await s.case('UngrantedSiblingSeesNone', async (c) => {
    if (res instanceof Error) return fail(c);
    if (!control) return c.notRun('no-verdict', 'the granted probe saw no device, so a probe seeing none proves nothing');
    const sib = res.get('probe-granted-a/sibling')!;
    if (sib.devices.length || sib.identities.length) return c.fail('an ungranted container beside a granted one sees no accelerator', `the sibling saw ${seen(sib)}`);
    c.pass(`ungranted sibling saw ${seen(sib)} while its neighbour saw ${a!.devices.length}`);
  });
  await s.case('DistinctDevicesInsideContainers', async (c) => {
    if (res instanceof Error || !a) return fail(c);
    const b = res.get('probe-granted-b/granted')!;
    if (a.identities.length && b.identities.length) {
      const shared = a.identities.filter((x) => b.identities.includes(x));
      if (shared.length) return c.fail('two granted pods see different devices', `both saw ${shared.join(', ')}`);
      return c.pass(`pod a saw ${a.identities.join(', ')}, pod b saw ${b.identities.join(', ')}`);
    }
    c.notRun('no-verdict', `the image has no ${env.profile.tool ?? 'vendor tool'} to print device identities; device files alone (${a.devices.join(', ')}) do not identify a device`, `use an image with ${env.profile.tool ?? 'the vendor tool'} (--image cuda=...)`);
  });
}
