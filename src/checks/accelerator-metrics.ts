import type { V1Node } from '@kubernetes/client-node';
import { defineCheck, type CaseHandle, type CheckScope } from './api.js';
import { EXPORTER_FAMILIES, type ExporterFamily } from './profiles/metrics.js';
import { acceleratorNodes, type AcceleratorProfile } from './profiles/accelerators.js';
import { attributesOf, attributeText, findDraPath, partitionsOf } from './support/dra.js';
import { readExposition, type Sample } from './support/exposition.js';
import { isReadyNode, nodeName } from './support/nodes.js';
import { parseQuantity } from './support/quantity.js';
import { text } from './settings.js';

/** What one node offers: how many devices, and their identities where DRA publishes them. */
interface Advertised { readonly node: string; readonly count: number; readonly identities: readonly string[]; readonly source: string; /** Capacity of resources an exporter counts instead (Neuron cores). */ readonly alt: Readonly<Record<string, number>> }
interface Exporter { readonly namespace: string; readonly name: string; readonly family?: ExporterFamily }
interface Env {
  readonly profile: AcceleratorProfile;
  readonly nodes: readonly Advertised[];
  readonly simulated: readonly string[];
  readonly exporters: readonly Exporter[];
}
interface EndpointSlice {
  metadata: { name: string };
  ports?: { name?: string; port?: number }[];
  endpoints?: { addresses: string[]; nodeName?: string; targetRef?: { kind?: string; name?: string; namespace?: string } }[];
}

/** One device's series, as the table in the evidence shows them. */
export interface DeviceRow { node: string; device: string; identity?: string; utilisation?: number; memory?: number; memoryTotal?: number; temperature?: number; power?: number; interconnect?: number }

/**
 * The devices a scrape shows. Each series is keyed by the most specific device label it carries
 * (a MIG instance by its partition label too); utilisation and memory series with no device label
 * at all are returned apart: they cannot be told to belong to any one device.
 */
export function devicesIn(samples: readonly Sample[], f: ExporterFamily, node: string): { rows: Map<string, DeviceRow>; unlabelled: Sample[]; label?: string } {
  const required = [...f.utilisation, ...f.memory];
  // In the family's order of preference: a row shows its most telling series first.
  const order = [...required, ...f.memoryTotal, ...f.temperature, ...f.power, ...f.interconnect];
  const ours = samples.filter((x) => order.includes(x.name)).sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));
  const rows = new Map<string, DeviceRow>();
  const unlabelled: Sample[] = [];
  const used = new Map<string, number>();
  for (const x of ours) {
    const label = f.deviceLabels.find((l) => x.labels[l] !== undefined && x.labels[l] !== '');
    if (!label) {
      if (required.includes(x.name)) unlabelled.push(x);
      continue;
    }
    used.set(label, (used.get(label) ?? 0) + 1);
    const dev = x.labels[label]!;
    const part = f.partitionLabels.map((p) => x.labels[p]).filter((v) => v !== undefined && v !== '');
    const key = part.length ? `${dev}/${part.join('/')}` : dev;
    const row = rows.get(key) ?? { node, device: key, ...(f.identityLabel && x.labels[f.identityLabel] ? { identity: x.labels[f.identityLabel] } : {}) };
    const kind = f.utilisation.includes(x.name) ? 'utilisation' : f.memory.includes(x.name) ? 'memory' : f.memoryTotal.includes(x.name) ? 'memoryTotal' : f.temperature.includes(x.name) ? 'temperature' : f.power.includes(x.name) ? 'power' : 'interconnect';
    if (row[kind] === undefined) row[kind] = x.value;
    rows.set(key, row);
  }
  const label = [...used].sort((x, y) => y[1] - x[1])[0]?.[0];
  return { rows, unlabelled, ...(label ? { label } : {}) };
}

/** Whole devices (a MIG instance counts toward its parent), for comparing with what a node advertises. */
const wholeDevices = (rows: Iterable<DeviceRow>) => new Set([...rows].map((r) => r.device.split('/')[0]!));

/**
 * Physical devices a node offers through its device plugin: GPU feature discovery's count where it
 * is published (time-slicing replicas and MIG instances are not devices), else the capacity divided
 * by the replicas, else the capacity.
 */
export function physicalDevices(n: V1Node, profile: AcceleratorProfile): number {
  const res = profile.extendedResource;
  const labels = n.metadata?.labels ?? {};
  const conv = profile.sharing ?? {};
  const phys = conv.physicalCountLabel ? Number(labels[conv.physicalCountLabel]) : NaN;
  if (phys > 0) return phys;
  const cap = res ? parseQuantity(n.status?.capacity?.[res]) ?? 0 : 0;
  const replicas = conv.replicasLabel ? Number(labels[conv.replicasLabel]) : NaN;
  return replicas > 1 ? Math.floor(cap / replicas) : cap;
}

const settings = {
  'metrics.service': text({ description: 'the exporter Service to scrape, NAMESPACE/NAME (default: every Service kaic recognises as an accelerator exporter)', default: undefined, pattern: /^[a-z0-9-]+\/[a-z0-9.-]+$/, example: 'gpu-operator/nvidia-dcgm-exporter' }),
};

export default defineCheck({
  id: 'accelerator_metrics',
  testName: 'TestAcceleratorPerformanceMetrics',
  summary: 'finds the accelerator exporter (DCGM, AMD device metrics, Neuron monitor) by its Service, scrapes every endpoint through the API server\'s proxy, and requires, on every real accelerator node, a utilisation and a memory series for each device the node advertises (DRA devices or extended resources), each series labelled with its device; device counts and DRA identities must match; temperature, power and interconnect are reported, with each name\'s OpenTelemetry counterpart',
  needs: 'an exporter Service kaic recognises (DCGM, AMD device metrics, Neuron monitor) or one you name with `--set metrics.service`, on every real accelerator node',
  cannotProve: 'utilisation rising under load (no workload loads a device); exporters it does not recognise (Intel XPU Manager, OpenTelemetry collectors) are reported, not proven',
  cases: ['ExporterOnEveryAcceleratorNode', 'SeriesNameTheirDevice', 'UtilisationForEveryDevice', 'MemoryForEveryDevice'],
  uses: [
    { group: '', resources: ['services', 'nodes'], verbs: ['get', 'list'] },
    { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['get', 'list'] },
    { group: '', resources: ['services/proxy', 'pods/proxy', 'nodes/proxy'], verbs: ['get'] },
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list'] },
  ],
  settings,
  images: [],
  timeoutMs: 5 * 60_000,

  async discover({ cluster, accelerator: profile, settings: set, list }) {
    const ready = cluster.nodes.filter(isReadyNode);
    const dra = await findDraPath(cluster, profile.deviceClass, new Set(ready.map(nodeName)), list);
    const res = profile.extendedResource;
    const pluginNodes = new Set(res ? acceleratorNodes(ready, profile).map(nodeName) : []);
    const advertised: Advertised[] = [];
    const counted = new Set(EXPORTER_FAMILIES.map((f) => f.countsResource).filter(Boolean));
    const parts = dra ? partitionsOf(dra.slices).names : new Set<string>();
    for (const n of ready) {
      const name = nodeName(n);
      // Whole devices only: partitions (counters) and MIG or VFIO devices are not devices of their own.
      const devices = dra ? dra.slices.filter((x) => x.spec.nodeName === name).flatMap((x) => (x.spec.devices ?? []).filter((d) => {
        const a = attributesOf(d);
        const type = attributeText(a.type);
        return !parts.has(`${x.spec.pool.name}/${d.name}`) && (!type || type === 'gpu') && !/^MIG-/.test(attributeText(a[profile.identityAttribute]) ?? '');
      })) : [];
      const identities = devices.map((d) => attributeText(attributesOf(d)[profile.identityAttribute])).filter((x): x is string => !!x);
      const plugin = pluginNodes.has(name) ? physicalDevices(n, profile) : 0;
      const count = Math.max(devices.length, plugin);
      const alt = Object.fromEntries([...counted].map((r) => [r!, parseQuantity(n.status?.capacity?.[r!]) ?? 0]));
      if (count > 0) advertised.push({ node: name, count, identities, alt, source: devices.length >= plugin ? `${devices.length} DRA device(s) of ${dra!.driver}` : `${plugin} ${res} device(s)` });
    }
    const real = advertised.filter((a) => !cluster.isSimulated(a.node));
    const simulated = advertised.filter((a) => cluster.isSimulated(a.node)).map((a) => a.node);
    const services = await list<{ metadata: { name: string; namespace: string; labels?: Record<string, string> } }>({ apiVersion: 'v1', kind: 'Service' });
    const wanted = set['metrics.service'];
    const exporters: Exporter[] = wanted
      ? services.filter((x) => `${x.metadata.namespace}/${x.metadata.name}` === wanted).map((x) => ({ namespace: x.metadata.namespace, name: x.metadata.name }))
      : services.flatMap((x) => {
        const names = [x.metadata.name, ...Object.values(x.metadata.labels ?? {})];
        const f = EXPORTER_FAMILIES.find((fam) => names.some((v) => fam.service.test(v)) && !names.some((v) => fam.notService?.test(v)));
        return f ? [{ namespace: x.metadata.namespace, name: x.metadata.name, family: f }] : [];
      });
    const found: Record<string, string> = {
      accelerator: profile.name,
      advertised: advertised.map((a) => `${a.node}: ${a.source}${cluster.isSimulated(a.node) ? ' (simulated)' : ''}`).join('; ') || 'none',
      exporters: exporters.map((e) => `${e.namespace}/${e.name}${e.family ? ` (${e.family.name})` : ''}`).join(', ') || 'none',
    };
    if (!advertised.length) return { ready: false, reason: 'missing-component', detail: `no node advertises ${profile.name} accelerators`, remedy: 'install the accelerator\'s DRA driver or device plugin, or pass --accelerator', found };
    if (!real.length) return { ready: false, reason: 'simulated-nodes', detail: `every ${profile.name} accelerator node is simulated (kwok): no exporter runs there`, remedy: 'run against a cluster with real accelerator nodes', found };
    if (wanted && !exporters.length) return { ready: false, reason: 'missing-component', detail: `--set metrics.service=${wanted}: no such Service`, found };
    if (!exporters.length) return { ready: false, reason: 'missing-component', detail: `no accelerator metrics exporter found (looked for Services named or labelled like ${EXPORTER_FAMILIES.map((f) => f.name).join(', ')})`, remedy: 'install the vendor\'s exporter (e.g. the GPU operator\'s DCGM exporter), or name it with --set metrics.service=NAMESPACE/NAME', found };
    return { ready: true, env: { profile, nodes: real, simulated, exporters }, found };
  },

  async prove(env: Env, s) {
    // Every endpoint of every exporter Service, scraped on its own (a Service proxy would answer
    // from one endpoint, and every node must be seen), a few at a time.
    const scrapes = new Map<string, Scrape[]>();
    const trouble = new Map<string, Trouble[]>();
    const note = (node: string, t: Trouble) => trouble.set(node, [...(trouble.get(node) ?? []), t]);
    const byAddress = new Map(s.cluster.nodes.flatMap((n) => (n.status?.addresses ?? []).map((a) => [a.address, nodeName(n)] as const)));
    const jobs: { node: string; from: string; targets: { kind: 'pod' | 'node'; name: string; namespace?: string; port: number }[]; family?: ExporterFamily }[] = [];
    for (const ex of env.exporters) {
      const slices = await s.list<EndpointSlice>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: ex.namespace, labelSelector: `kubernetes.io/service-name=${ex.name}` });
      for (const sl of slices) {
        // Ports named like metrics first; the others after (a Service may also carry a health port).
        const ports = [...(sl.ports ?? [])].filter((p) => p.port).sort((x, y) => Number(!/metric/i.test(x.name ?? '')) - Number(!/metric/i.test(y.name ?? ''))).map((p) => p.port!);
        for (const ep of sl.endpoints ?? []) {
          let node = ep.nodeName ?? ep.addresses.map((a) => byAddress.get(a)).find(Boolean);
          if (!node && ep.targetRef?.kind === 'Pod' && ep.targetRef.name) node = (await s.get<{ spec?: { nodeName?: string } }>({ apiVersion: 'v1', kind: 'Pod', name: ep.targetRef.name, namespace: ep.targetRef.namespace ?? ex.namespace }))?.spec?.nodeName;
          if (!node || !env.nodes.some((n) => n.node === node) || !ports.length) continue;
          const targets = ports.map((port) => (ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? { kind: 'pod' as const, name: ep.targetRef.name, namespace: ep.targetRef.namespace ?? ex.namespace, port } : { kind: 'node' as const, name: node!, port }));
          jobs.push({ node, from: `${ex.namespace}/${ex.name} on ${node}`, targets, ...(ex.family ? { family: ex.family } : {}) });
        }
      }
    }
    const scrape = async (job: (typeof jobs)[number]) => {
      for (const target of job.targets) {
        const r = await scrapeOne(s, target);
        if (r.kind === 'ok') {
          s.evidence(`scrape-${job.node}-${target.name}-${target.port}.txt`, r.body.slice(0, 1_000_000));
          const parsed = readExposition(r.body);
          if ('error' in parsed) return note(job.node, { kind: 'bad', detail: `${job.from}: ${parsed.error}` });
          const family = job.family ?? EXPORTER_FAMILIES.find((f) => parsed.samples.some((x) => f.utilisation.includes(x.name) || f.memory.includes(x.name)));
          const known = family && parsed.samples.some((x) => [...family.utilisation, ...family.memory].includes(x.name));
          if (!family || !known) {
            note(job.node, { kind: 'unrecognised', detail: `${job.from} port ${target.port}: no series kaic recognises (${[...new Set(parsed.samples.map((x) => x.name))].slice(0, 5).join(', ') || 'none'})` });
            continue;
          }
          if (parsed.skipped) s.log(`${job.from}: ${parsed.skipped} line(s) kaic could not read, e.g. ${parsed.firstSkipped}`);
          if (r.truncated) s.log(`${job.from}: the answer was cut at ${MAX_BYTES} bytes`);
          scrapes.set(job.node, [...(scrapes.get(job.node) ?? []), { samples: parsed.samples, family, from: `${job.from} port ${target.port}` }]);
          return undefined;
        }
        if (r.kind === 'wrong-port') continue;
        return note(job.node, { kind: r.kind, detail: `${job.from} port ${target.port}: ${r.detail}` });
      }
      return note(job.node, { kind: 'unrecognised', detail: `${job.from}: no port answered with metrics (${job.targets.map((t) => t.port).join(', ')})` });
    };
    for (let i = 0; i < jobs.length; i += 4) await Promise.all(jobs.slice(i, i + 4).map(scrape));

    const perNode = new Map<string, { rows: Map<string, DeviceRow>; unlabelled: { from: string; sample: Sample }[]; family: ExporterFamily; labels: string[] }>();
    for (const [node, list] of scrapes) {
      const rows = new Map<string, DeviceRow>();
      const unlabelled: { from: string; sample: Sample }[] = [];
      const labels: string[] = [];
      for (const sc of list) {
        const d = devicesIn(sc.samples, sc.family, node);
        for (const [k, r] of d.rows) rows.set(k, { ...r, ...rows.get(k) });
        unlabelled.push(...d.unlabelled.map((sample) => ({ from: sc.from, sample })));
        if (d.label) labels.push(d.label);
      }
      perNode.set(node, { rows, unlabelled, family: list[0]!.family, labels: [...new Set(labels)] });
    }
    const rows = [...perNode.values()].flatMap((v) => [...v.rows.values()]);
    const fmt = (x?: number) => (x === undefined ? '—' : String(x));
    s.evidence('devices.md', ['| node | device | identity | utilisation | memory used | memory free/total | temperature | power | interconnect |', '|---|---|---|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.node} | ${r.device} | ${r.identity ?? ''} | ${fmt(r.utilisation)} | ${fmt(r.memory)} | ${fmt(r.memoryTotal)} | ${fmt(r.temperature)} | ${fmt(r.power)} | ${fmt(r.interconnect)} |`)].join('\n'));
    const seenNames = new Set([...scrapes.values()].flat().flatMap((sc) => sc.samples.map((x) => x.name)));
    const families = [...new Set([...perNode.values()].map((v) => v.family))];
    s.evidence('otel-mapping.md', ['| exporter series | OpenTelemetry GPU semantic convention |', '|---|---|', ...families.flatMap((f) => Object.entries(f.otel).filter(([k]) => seenNames.has(k)).map(([k, v]) => `| ${k} | ${v} |`))].join('\n'));

    await s.case('ExporterOnEveryAcceleratorNode', async (c) => {
      const missing = env.nodes.filter((n) => !scrapes.has(n.node));
      const all = missing.flatMap((n) => (trouble.get(n.node) ?? []).map((t) => ({ node: n.node, ...t })));
      const none = missing.filter((n) => !trouble.has(n.node)).map((n) => n.node);
      // Observed violations first: no exporter endpoint on a node, or one that never answered.
      const down = all.filter((t) => t.kind === 'down' || t.kind === 'bad');
      if (none.length || down.length) return c.fail(`an accelerator metrics exporter answers on every real accelerator node (${env.nodes.map((n) => n.node).join(', ')})`, [none.length ? `no exporter endpoint on ${none.join(', ')}` : '', ...down.map((t) => t.detail)].filter(Boolean).join('; '));
      const rbac = all.find((t) => t.kind === 'forbidden');
      if (rbac) return c.notRun('missing-rbac', `kaic was refused: ${rbac.detail}`, rbac.detail.includes('exporter') ? 'let kaic\'s identity read the exporter (its kube-rbac-proxy), or pass --prometheus' : 'grant the ClusterRole printed by `kaic rbac` (nodes/proxy, pods/proxy get)');
      const api = all.find((t) => t.kind === 'api-error');
      if (api) return c.notRun('api-error', api.detail);
      if (all.length) return c.notRun('no-verdict', `an exporter answered on ${[...new Set(all.map((t) => t.node))].join(', ')}, but with nothing kaic recognises: ${all.map((t) => t.detail).join('; ')}`, 'name the exporter with --set metrics.service, or use one kaic knows (DCGM, AMD device metrics, Neuron monitor)');
      c.pass(`${env.nodes.length} node(s) scraped: ${[...scrapes].map(([n, l]) => `${n} (${l.map((x) => `${x.family.name}, ${x.samples.length} samples`).join('; ')})`).join(', ')}${env.simulated.length ? `; ${env.simulated.length} simulated node(s) not expected to have one` : ''}`);
    });

    await s.case('SeriesNameTheirDevice', async (c) => {
      if (!perNode.size) return c.notRun('control-failed', 'no exporter was scraped');
      for (const [node, v] of perNode) {
        if (v.unlabelled.length) {
          const u = v.unlabelled[0]!.sample;
          return c.fail(`every utilisation and memory series names its device (a label such as ${v.family.deviceLabels.join(', ')})`, `${node}: ${v.unlabelled.length} series with none, e.g. ${u.name}{${Object.entries(u.labels).map(([k, x]) => `${k}="${x}"`).join(',')}} from ${v.unlabelled[0]!.from}`);
        }
      }
      c.pass([...perNode].map(([n, v]) => `${n}: every series carries ${v.labels.join(' or ') || 'a device label'}`).join('; '));
    });

    const perDevice = (kind: 'utilisation' | 'memory') => async (c: CaseHandle) => {
      if (!perNode.size) return c.notRun('control-failed', 'no exporter was scraped');
      const said: string[] = [];
      for (const want of env.nodes) {
        const v = perNode.get(want.node);
        if (!v) continue;
        const names = kind === 'utilisation' ? v.family.utilisation : v.family.memory;
        // A device has the series if it or one of its partitions does (a MIG GPU reports per instance).
        const have = [...v.rows.values()].filter((r) => r[kind] !== undefined);
        const covered = wholeDevices(have);
        const res = v.family.countsResource;
        const count = res ? want.alt[res] ?? 0 : want.count;
        const source = res ? `${count} ${res}` : want.source;
        if (res && !count) return c.notRun('no-verdict', `${want.node} does not advertise ${res}, so kaic cannot tell how many ${v.family.name} devices to expect`);
        if (!covered.size && v.family.perDeviceOnlyUnderLoad) return c.notRun('no-verdict', `${v.family.name} on ${want.node} shows no per-device ${kind} series; it reports them only while a workload runs there`, 'run while a workload uses the devices');
        const lacking = [...wholeDevices(v.rows.values())].filter((d) => !covered.has(d));
        if (lacking.length) return c.fail(`a ${kind} series (${names.join(' or ')}) for every device ${want.node} reports`, `no ${kind} series for ${lacking.join(', ')}`);
        if (covered.size < count) return c.fail(`${kind} series for all ${count} devices ${want.node} advertises (${source})`, `series for ${covered.size}: ${[...covered].join(', ') || 'none'}`);
        if (want.identities.length && v.family.identityLabel) {
          const seenIds = new Set(have.map((r) => r.identity).filter(Boolean));
          const absent = want.identities.filter((id) => !seenIds.has(id));
          if (absent.length) return c.fail(`a ${kind} series for each device ${want.node} publishes, by ${v.family.identityLabel}`, `no series for ${absent.join(', ')}`);
        }
        said.push(`${want.node}: ${covered.size} device(s) with ${kind} series, ${count} advertised (${source})${want.identities.length && v.family.identityLabel ? `, every published ${v.family.identityLabel} present` : ''}${covered.size > count ? `; ${covered.size - count} more in the metrics than advertised` : ''}`);
      }
      c.pass(said.join('; '));
    };
    await s.case('UtilisationForEveryDevice', perDevice('utilisation'));
    await s.case('MemoryForEveryDevice', perDevice('memory'));
  },
});

const MAX_BYTES = 64 * 2 ** 20;
interface Scrape { readonly samples: Sample[]; readonly family: ExporterFamily; readonly from: string }
interface Trouble { readonly kind: 'down' | 'bad' | 'forbidden' | 'api-error' | 'unrecognised'; readonly detail: string }
type Answer = { kind: 'ok'; body: string; truncated: boolean } | { kind: 'wrong-port' | 'down' | 'forbidden' | 'api-error'; detail: string };

/**
 * One exporter endpoint through the API server's proxy. The exporter not answering (the proxy
 * cannot reach it) is retried until the expected behaviour's deadline; a refusal, or the API
 * server's own error, is reported as such; a 404 or a plain-HTTP request to an HTTPS port means
 * another port (or https) should be tried.
 */
async function scrapeOne(s: CheckScope, target: { kind: 'pod' | 'node'; name: string; namespace?: string; port: number }): Promise<Answer> {
  let last: Answer = { kind: 'down', detail: 'no answer' };
  let scheme: 'http' | 'https' = 'http';
  const r = await s.poll(`the exporter at ${target.kind} ${target.name}:${target.port} to answer`, async () => {
    const a = await s.http({ ...target, ...(scheme === 'https' ? { scheme } : {}) }, '/metrics', { timeoutMs: 10_000, maxBytes: MAX_BYTES });
    const text = a.body.slice(0, 200).replace(/\s+/g, ' ');
    const status = /"kind"\s*:\s*"Status"/.test(a.body.slice(0, 2_000));
    if (a.status === 200) return { kind: 'ok' as const, body: a.body, truncated: !!a.truncated };
    if (a.status === 400 && scheme === 'http' && /HTTPS/i.test(a.body)) {
      scheme = 'https';
      return undefined;
    }
    if (a.status === 404 || a.status === 400) return { kind: 'wrong-port' as const, detail: `HTTP ${a.status}` };
    if (a.status === 401 || a.status === 403) return { kind: 'forbidden' as const, detail: `HTTP ${a.status} from ${status ? 'the API server' : 'the exporter'}: ${text}` };
    // The proxy's own "cannot reach it" is the exporter down: retried until the deadline.
    if (status && /error trying to reach|connection refused|dial tcp|no endpoints|i\/o timeout|no route/i.test(a.body)) {
      last = { kind: 'down', detail: `HTTP ${a.status}: ${text}` };
      return undefined;
    }
    if (a.status >= 500 && status) return { kind: 'api-error' as const, detail: `the API server answered HTTP ${a.status}: ${text}` };
    last = { kind: 'down', detail: `the exporter answered HTTP ${a.status}: ${text}` };
    return undefined;
  }, { intervalMs: 2_000, timeoutMs: 20_000, describe: () => ('detail' in last ? last.detail : '') });
  return r.ok ? r.value : last;
}
