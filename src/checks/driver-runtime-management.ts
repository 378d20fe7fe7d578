import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { defineCheck, type KObject } from './api.js';
import { attributesOf, attributeText, deviceIdentity, deviceRequest, findDraPath, type Claim, type DraPath } from './support/dra.js';
import { isReadyNode, nodeName } from './support/nodes.js';
import { onNodes, restrictedPod, schedulerRefused } from './support/pods.js';
import { readProbes } from './support/probes.js';
import { acceleratorNodes, tolerationsForNodes, type AcceleratorProfile, type VersionSource } from './profiles/accelerators.js';
import { probeCommand, seen } from './probe.js';

type Kind = 'driver' | 'cuda';
type Path = 'dra' | 'plugin';
/** One advertised value and where it was read. */
interface Advert { readonly value: string; readonly source: string }
interface NodeAdverts { readonly node: string; readonly runtime: string; readonly adverts: Readonly<Partial<Record<Kind, readonly Advert[]>>> }
interface Env {
  readonly profile: AcceleratorProfile;
  readonly kinds: readonly Kind[];
  readonly nodes: readonly NodeAdverts[];
  readonly dra?: DraPath;
  readonly plugin?: { readonly resource: string; readonly nodes: readonly string[] };
  readonly tolerations: { key: string; operator: string }[];
  /** The vendor's RuntimeClass (handler `nvidia`), where the platform runs GPU containers through one. */
  readonly runtimeClass?: string;
}

/**
 * Versions are equal at the precision both share, component by component as numbers:
 * `580.65.6` = `580.65.06`, and `12.9.0` = `12.9`. Both need at least major.minor, and any suffix
 * (`-rc1`, `+dev`) must be the same: `580` or `N/A` equals nothing.
 */
export function sameVersion(a: string, b: string): boolean {
  const parse = (v: string) => {
    const m = /^v?(\d+(?:\.\d+)+)(.*)$/i.exec(v.trim());
    return m ? { nums: m[1]!.split('.').map(Number), suffix: m[2]! } : undefined;
  };
  const [x, y] = [parse(a), parse(b)];
  if (!x || !y || x.suffix !== y.suffix) return false;
  const n = Math.min(x.nums.length, y.nums.length);
  return x.nums.slice(0, n).every((p, i) => p === y.nums[i]);
}

/** Groups values that are all the same version as each other; more than one group is a disagreement. */
export function versionGroups(adverts: readonly Advert[]): Advert[][] {
  const groups: Advert[][] = [];
  for (const a of adverts) {
    const g = groups.find((x) => x.every((m) => sameVersion(m.value, a.value)));
    if (g) g.push(a);
    else groups.push([a]);
  }
  return groups;
}

/** Lines a version probe prints before the identity probe: `KDV <kind>: <value or output>`. */
export function versionScript(versions: Readonly<Partial<Record<Kind, VersionSource>>>): string {
  return (Object.entries(versions) as [Kind, VersionSource][]).map(([kind, v]) => {
    if (v.env) return `echo "KDV ${kind}: \${${v.env}:-}"; `;
    if (v.command) {
      const tool = v.command.split(' ')[0]!;
      // A tool that hangs (a GPU after an Xid error) must not keep the probe from finishing.
      return `if command -v ${tool} >/dev/null 2>&1; then T=; command -v timeout >/dev/null 2>&1 && T='timeout 20'; $T ${v.command} 2>&1 | head -20 | sed 's/^/KDV ${kind}: /'; else echo "KDV ${kind}-absent: ${tool}"; fi; `;
    }
    return '';
  }).join('');
}

/** The version a container reported for `kind`, or why there is none. */
export function reportedVersion(log: string, kind: Kind, v: VersionSource): { value: string } | { missing: string } {
  const lines = log.split('\n').map((l) => l.trim());
  if (lines.some((l) => l.startsWith(`KDV ${kind}-absent:`))) return { missing: `${v.command?.split(' ')[0]} is not in the container (the runtime did not inject it)` };
  const out = lines.filter((l) => l.startsWith(`KDV ${kind}: `)).map((l) => l.slice(`KDV ${kind}: `.length));
  const re = v.pattern ? new RegExp(v.pattern, 'm') : /^\s*(\S+)/;
  for (const l of out) {
    const m = re.exec(l);
    if (m?.[1]) return { value: m[1] };
  }
  return { missing: v.env ? `${v.env} is not set in the container` : `${v.command} printed no version (${out.slice(0, 2).join(' | ') || 'nothing'})` };
}

export default defineCheck({
  id: 'driver_runtime_management',
  testName: 'TestAcceleratorDriverRuntimeManagement',
  summary: 'reads the driver and CUDA versions the platform advertises (DRA device attributes, GPU feature discovery labels), the RuntimeClasses and each node\'s container runtime; all devices and labels of a node must agree; a container granted one accelerator from an image without vendor tools sees exactly that device and reports, through what the runtime injected, the versions the node advertises (equal at the precision both share)',
  needs: 'accelerator nodes that advertise the driver version (DRA device attributes or GPU feature discovery labels), one real node with a free accelerator, and a profile that says how a container reads the version',
  cannotProve: 'that the driver is the *right* one for the hardware or that upgrades are managed; only that what is advertised is what containers get',
  cases: ['AdvertisedVersionsAgree', 'ContainerSeesAdvertisedVersions'],
  uses: [
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list', 'watch'] },
    { group: 'resource.k8s.io', resources: ['resourceclaims', 'resourceclaimtemplates'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'node.k8s.io', resources: ['runtimeclasses'], verbs: ['get', 'list'] },
    { group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods/log'], verbs: ['get'] },
  ],
  settings: {},
  images: ['probe', 'cuda'],
  capacity: { acceleratorNodes: 1 },
  timeoutMs: 8 * 60_000,

  async discover({ cluster, accelerator: profile, list }) {
    const versions = profile.versions ?? {};
    const kinds = (Object.keys(versions) as Kind[]).filter((k) => versions[k]);
    if (!kinds.length) return { ready: false, reason: 'no-verdict', detail: `kaic knows no way the ${profile.name} platform advertises driver versions or a container reads them`, remedy: 'pass --accelerator for a vendor kaic knows (nvidia, example)' };
    const ready = cluster.nodes.filter(isReadyNode);
    const dra = await findDraPath(cluster, profile.deviceClass, new Set(ready.map(nodeName)), list);
    const res = profile.extendedResource;
    const partRe = profile.sharing?.partitionResource ? new RegExp(profile.sharing.partitionResource) : undefined;
    // A node whose GPUs are all MIG instances has 0 whole GPUs but is an accelerator node still.
    const pluginNodes = res ? ready.filter((n) => Number(n.status?.allocatable?.[res] ?? 0) > 0 || acceleratorNodes([n], profile).length > 0 && Object.keys(n.status?.allocatable ?? {}).some((k) => partRe?.test(k))).map(nodeName) : [];
    const accel = ready.filter((n) => dra?.nodes.includes(nodeName(n)) || pluginNodes.includes(nodeName(n)));
    const nodes: NodeAdverts[] = accel.map((n: V1Node) => {
      const adverts: Partial<Record<Kind, Advert[]>> = {};
      for (const k of kinds) {
        const v = versions[k]!;
        const list: Advert[] = [];
        if (v.attribute && dra) {
          for (const sl of dra.slices.filter((x) => x.spec.nodeName === nodeName(n))) {
            for (const d of sl.spec.devices ?? []) {
              const value = attributeText(attributesOf(d)[v.attribute]);
              if (value) list.push({ value, source: `device ${sl.spec.pool.name}/${d.name} attribute ${v.attribute}` });
            }
          }
        }
        const labels = n.metadata?.labels ?? {};
        const label = v.label ? labels[v.label] : undefined;
        if (label) list.push({ value: label, source: `node label ${v.label}` });
        // Older GPU feature discovery: the version in parts (cuda.driver.major/minor/rev).
        else if (v.labelParts && v.labelParts.every((l) => labels[l] !== undefined)) list.push({ value: v.labelParts.map((l) => labels[l]).join('.'), source: `node labels ${v.labelParts.join(', ')}` });
        if (list.length) adverts[k] = list;
      }
      return { node: nodeName(n), runtime: n.status?.nodeInfo?.containerRuntimeVersion ?? 'unknown', adverts };
    });
    const classes = cluster.serves('node.k8s.io/v1', 'runtimeclasses') ? await list<{ metadata: { name: string }; handler: string }>({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass' }) : [];
    const advertised = nodes.filter((n) => Object.keys(n.adverts).length);
    const runtimeClass = profile.runtimeHandler ? classes.find((c) => new RegExp(profile.runtimeHandler!).test(c.handler))?.metadata.name : undefined;
    const found: Record<string, string> = {
      accelerator: profile.name,
      advertised: advertised.map((n) => `${n.node}: ${Object.entries(n.adverts).map(([k, a]) => `${k} ${[...new Set(a.map((x) => x.value))].join('/')}`).join(', ')}`).join('; ') || 'none',
      runtimes: [...new Set(nodes.map((n) => n.runtime))].join(', ') || 'none',
      runtimeClasses: classes.map((c) => `${c.metadata.name} (${c.handler})`).join(', ') || 'none',
    };
    if (!accel.length) return { ready: false, reason: 'missing-component', detail: `no node exposes ${profile.name} accelerators (no DeviceClass ${profile.deviceClass ?? '-'} with complete pools, no allocatable ${res ?? '-'})`, remedy: "install the accelerator's DRA driver or device plugin", found };
    if (!advertised.length) {
      const where = kinds.map((k) => [versions[k]!.attribute && `device attribute ${versions[k]!.attribute}`, versions[k]!.label && `node label ${versions[k]!.label}`].filter(Boolean).join(' or ')).join('; ');
      return { ready: false, reason: 'missing-component', detail: `no accelerator node advertises a driver version (looked for ${where})`, remedy: 'install GPU feature discovery, or a DRA driver that publishes driver versions as device attributes', found };
    }
    const order = advertised.map((n) => n.node).sort((a, b) => Number(cluster.isSimulated(a)) - Number(cluster.isSimulated(b)));
    return { ready: true, env: { profile, kinds, nodes, ...(runtimeClass ? { runtimeClass } : {}), ...(dra ? { dra } : {}), ...(res && pluginNodes.length ? { plugin: { resource: res, nodes: pluginNodes } } : {}), tolerations: tolerationsForNodes(cluster.nodes, order, profile) }, found, nodes: order };
  },

  async prove(env: Env, s) {
    await s.case('AdvertisedVersionsAgree', async (c) => {
      const silent = env.nodes.filter((n) => !Object.keys(n.adverts).length).map((n) => n.node);
      if (silent.length) return c.fail('every accelerator node advertises its driver version', `${silent.join(', ')} advertise(s) none, while ${env.nodes.length - silent.length} other node(s) do`);
      const agreed: string[] = [];
      for (const n of env.nodes) {
        for (const [kind, adverts] of Object.entries(n.adverts) as [Kind, Advert[]][]) {
          const groups = versionGroups(adverts);
          if (groups.length > 1) return c.fail(`every device and label of ${n.node} advertises one ${kind} version`, groups.map((g) => `${g[0]!.value} (${g.length === 1 ? g[0]!.source : `${g.length} sources, e.g. ${g[0]!.source}`})`).join(' vs '));
          agreed.push(`${n.node}: ${kind} ${groups[0]![0]!.value} from ${adverts.length} source(s)`);
        }
      }
      c.pass(agreed.join('; '));
    });

    await s.case('ContainerSeesAdvertisedVersions', async (c) => {
      const node = s.nodes[0]!;
      if (s.cluster.isSimulated(node)) return c.notRun('simulated-nodes', `${node} is simulated (kwok): containers do not run, so no container can report the versions it sees`, 'run against a cluster with real accelerator nodes');
      const adverts = env.nodes.find((n) => n.node === node)!.adverts;
      const split = (Object.entries(adverts) as [Kind, Advert[]][]).filter(([, a]) => versionGroups(a).length > 1).map(([k]) => k);
      if (split.length) return c.notRun('no-verdict', `${node} advertises more than one ${split.join(' and ')} version (see AdvertisedVersionsAgree): there is no one version a container should see`);
      const paths: Path[] = [];
      if (env.dra?.nodes.includes(node)) paths.push('dra');
      if (env.plugin?.nodes.includes(node)) paths.push('plugin');
      const kindsFor = (p: Path) => env.kinds.filter((k) => adverts[k] && (env.profile.versions![k]!.paths ?? ['dra', 'plugin']).includes(p));
      const proven = paths.filter((p) => kindsFor(p).length);
      if (!proven.length) return c.notApplicable(`on ${node} no allocation path (${paths.join(', ')}) is one whose containers the ${env.profile.name} runtime hands a version`);
      if (env.dra && proven.includes('dra')) await s.apply({ apiVersion: env.dra.gv, kind: 'ResourceClaimTemplate', metadata: { name: 'one-accelerator' }, spec: { spec: { devices: { requests: [deviceRequest(env.dra.version, 'acc', env.dra.deviceClass)] } } } });
      // An image with no vendor tools: whatever reports a version was put there by the runtime.
      const image = env.profile.name === 'nvidia' ? s.images.cuda : s.images.probe;
      const scriptFor = (p: Path) => ['sh', '-c', versionScript(Object.fromEntries(kindsFor(p).map((k) => [k, env.profile.versions![k]!]))) + probeCommand(env.profile)[2]!];
      for (const p of proven) {
        // NVIDIA's CUDA image declares the CUDA it needs; the driver's own version is what is tested here.
        const main: Record<string, unknown> = { name: 'main', image, command: scriptFor(p), ...(env.profile.name === 'nvidia' ? { env: [{ name: 'NVIDIA_DISABLE_REQUIRE', value: 'true' }] } : {}) };
        const spec: Record<string, unknown> = { tolerations: env.tolerations, affinity: onNodes([node]), containers: [main], ...(env.runtimeClass ? { runtimeClassName: env.runtimeClass } : {}) };
        if (p === 'dra') {
          spec.resourceClaims = [{ name: 'acc', resourceClaimTemplateName: 'one-accelerator' }];
          main.resources = { claims: [{ name: 'acc' }] };
        } else main.resources = { limits: { [env.plugin!.resource]: '1' } };
        await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `versions-${p}` }, spec: restrictedPod(spec as never) } as KObject);
      }
      const { results, failures } = await readProbes(s, env.profile, Object.fromEntries(proven.map((p) => [`versions-${p}`, ['main']])), 90_000);
      const said: string[] = [];
      for (const p of proven) {
        const r = results.get(`versions-${p}/main`);
        if (!r) {
          // Not placed (no free device, the scheduler refused): the cluster's state. Placed but not
          // started or never finishing: the runtime failed a container granted an accelerator.
          const pod = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: `versions-${p}` });
          const why = failures.get(`versions-${p}`) ?? 'no result';
          if (!pod?.spec?.nodeName) return c.notRun('control-failed', `the ${p} probe was not placed on ${node}: ${(await schedulerRefused(s, `versions-${p}`)) ?? why}`, 'run when the node has a free accelerator');
          return c.fail(`the runtime starts a container granted one accelerator (${p}) on ${node} and it reports what it sees`, why);
        }
        const log = await s.logs(`versions-${p}`, 'main');
        s.evidence(`container-${p}.log`, log);
        if (r.devices.length > 1 || r.identities.length > 1) return c.fail(`a container granted one accelerator (${p}) sees exactly that device`, `it saw ${seen(r)}`);
        if (!r.devices.length && !r.identities.length) return c.fail(`a container granted one accelerator (${p}) sees it`, `it saw ${seen(r)}`);
        if (p === 'dra' && r.identities.length === 1) {
          // Exactly the device requested: the identity inside is the one the claim was allocated.
          const pod = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: `versions-${p}` });
          const claimName = pod?.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
          const result = claimName ? (await s.get<Claim>({ apiVersion: env.dra!.gv, kind: 'ResourceClaim', name: claimName }))?.status?.allocation?.devices?.results?.[0] : undefined;
          const want = result ? deviceIdentity(env.dra!.slices, result, env.profile) : undefined;
          if (want && r.identities[0] !== want) return c.fail(`the container sees the device its claim was allocated (${result!.pool}/${result!.device}, ${want})`, `it saw ${r.identities[0]}`);
        }
        for (const k of kindsFor(p)) {
          const want = adverts[k]![0]!;
          const got = reportedVersion(log, k, env.profile.versions![k]!);
          if ('missing' in got) return c.fail(`a container granted one accelerator (${p}) on ${node} reports the ${k} version the node advertises (${want.value})`, got.missing);
          if (!sameVersion(got.value, want.value)) return c.fail(`the ${k} version inside a container (${p}) equals the one ${node} advertises`, `the node advertises ${want.value} (${want.source}); the container reports ${got.value}`);
          said.push(`${p}: ${k} ${got.value} inside, ${want.value} advertised (${want.source})`);
        }
      }
      const skipped = paths.filter((p) => !proven.includes(p));
      c.pass(`${said.join('; ')}; the container saw exactly its one device${skipped.length ? `; (not applicable) ${skipped.join(', ')}: the ${env.profile.name} runtime hands those containers no version` : ''}`);
    });
  },
});
