import type { V1Node } from '@kubernetes/client-node';
import { defineCheck, type CaseHandle } from './api.js';
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
export interface DeviceRow { node: string; device: string; identity?: string; utilisation?: number; memory?: number; temperature?: number; power?: number; interconnect?: number }

/**
 * The devices a scrape shows, keyed by the family's most specific device label present (a MIG
 * instance by its partition label too); samples of accelerator series with no device label are
 * returned apart: they cannot be told to belong to any one device.
 */
export function devicesIn(samples: readonly Sample[], f: ExporterFamily, node: string): { rows: Map<string, DeviceRow>; unlabelled: Sample[]; label?: string } {
  const all = [...f.utilisation, ...f.memory];
  // In the family's order of preference: a row shows its most telling series (memory used before free).
  const order = [...all, ...f.temperature, ...f.power, ...f.interconnect];
  const ours = samples.filter((x) => order.includes(x.name)).sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));
  const label = f.deviceLabels.find((l) => ours.some((x) => x.labels[l] !== undefined));
  const rows = new Map<string, DeviceRow>();
  const unlabelled: Sample[] = [];
  for (const x of ours) {
    const dev = label ? x.labels[label] : undefined;
    if (dev === undefined || dev === '') {
      if (all.includes(x.name)) unlabelled.push(x);
      continue;
    }
    const part = f.partitionLabels.map((p) => x.labels[p]).filter((v) => v !== undefined && v !== '');
    const key = part.length ? `${dev}/${part.join('/')}` : dev;
    const row = rows.get(key) ?? { node, device: key, ...(f.identityLabel && x.labels[f.identityLabel] ? { identity: x.labels[f.identityLabel] } : {}) };
    const kind = f.utilisation.includes(x.name) ? 'utilisation' : f.memory.includes(x.name) ? 'memory' : f.temperature.includes(x.name) ? 'temperature' : f.power.includes(x.name) ? 'power' : 'interconnect';
    if (row[kind] === undefined) row[kind] = x.value;
    rows.set(key, row);
  }
  return { rows, unlabelled, ...(label ? { label } : {}) };
}

/** Whole devices (a MIG instance counts toward its parent), for comparing with what a node advertises. */
const wholeDevices = (rows: Iterable<DeviceRow>) => new Set([...rows].map((r) => r.device.split('/')[0]!));

const settings = {
  'metrics.service': text({ description: 'the exporter Service to scrape, NAMESPACE/NAME (default: every Service kaic recognises as an accelerator exporter)', default: undefined, pattern: /^[a-z0-9-]+\/[a-z0-9.-]+$/, example: 'gpu-operator/nvidia-dcgm-exporter' }),
};

export default defineCheck({
  id: 'accelerator_metrics',
  testName: 'TestAcceleratorPerformanceMetrics',
  summary: 'finds the accelerator exporter (DCGM, AMD device metrics, Neuron monitor) by its Service, scrapes every endpoint through the API server\'s proxy, and requires, on every real accelerator node, a utilisation and a memory series for each device the node advertises (DRA devices or extended resources), each series labelled with its device; device counts and DRA identities must match; temperature, power and interconnect are reported, with each name\'s OpenTelemetry counterpart',
  cases: ['ExporterOnEveryAcceleratorNode', 'SeriesNameTheirDevice', 'UtilisationForEveryDevice', 'MemoryForEveryDevice'],
  uses: [
    { group: '', resources: ['services', 'nodes'], verbs: ['get', 'list'] },
    { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['get', 'list'] },
    { group: '', resources: ['services/proxy', 'pods/proxy', 'nodes/proxy'], verbs: ['get'] },
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list'] },
  ],
  settings,
  images: [],
  timeoutMs: 3 * 60_000,

  async discover({ cluster, accelerator: profile, settings: set, list }) {
    const ready = cluster.nodes.filter(isReadyNode);
    const dra = await findDraPath(cluster, profile.deviceClass, new Set(ready.map(nodeName)), list);
    const res = profile.extendedResource;
    const pluginNodes = new Set(res ? acceleratorNodes(ready, profile).map(nodeName) : []);
    const advertised: Advertised[] = [];
    const counted = new Set(EXPORTER_FAMILIES.map((f) => f.countsResource).filter(Boolean));
    for (const n of ready) {
      const name = nodeName(n);
      const parts = dra ? partitionsOf(dra.slices).names : new Set<string>();
      const devices = dra ? dra.slices.filter((x) => x.spec.nodeName === name).flatMap((x) => (x.spec.devices ?? []).filter((d) => !parts.has(`${x.spec.pool.name}/${d.name}`))) : [];
      const identities = devices.map((d) => attributeText(attributesOf(d)[profile.identityAttribute])).filter((x): x is string => !!x);
      const plugin = pluginNodes.has(name) && res ? parseQuantity((n as V1Node).status?.capacity?.[res]) ?? 0 : 0;
      const count = Math.max(devices.length, plugin);
      const alt = Object.fromEntries([...counted].map((r) => [r!, parseQuantity((n as V1Node).status?.capacity?.[r!]) ?? 0]));
      if (count > 0) advertised.push({ node: name, count, identities, alt, source: devices.length >= plugin ? `${devices.length} DRA device(s) of ${dra!.driver}` : `${plugin} ${res}` });
    }
    const real = advertised.filter((a) => !cluster.isSimulated(a.node));
    const simulated = advertised.filter((a) => cluster.isSimulated(a.node)).map((a) => a.node);
    const services = await list<{ metadata: { name: string; namespace: string; labels?: Record<string, string> } }>({ apiVersion: 'v1', kind: 'Service' });
    const wanted = set['metrics.service'];
    const exporters: Exporter[] = wanted
      ? services.filter((x) => `${x.metadata.namespace}/${x.metadata.name}` === wanted).map((x) => ({ namespace: x.metadata.namespace, name: x.metadata.name }))
      : services.flatMap((x) => {
        const f = EXPORTER_FAMILIES.find((fam) => fam.service.test(x.metadata.name) || Object.values(x.metadata.labels ?? {}).some((v) => fam.service.test(v)));
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
    // Every endpoint of every exporter Service, scraped on its own: a Service proxy would answer
    // from one endpoint, and every node must be seen.
    const scrapes = new Map<string, { samples: Sample[]; family: ExporterFamily; from: string }[]>();
    const problems: string[] = [];
    let forbidden: string | undefined;
    for (const ex of env.exporters) {
      const slices = await s.list<EndpointSlice>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: ex.namespace, labelSelector: `kubernetes.io/service-name=${ex.name}` });
      for (const sl of slices) {
        const port = sl.ports?.find((p) => p.name === 'metrics')?.port ?? sl.ports?.[0]?.port;
        for (const ep of sl.endpoints ?? []) {
          const node = ep.nodeName;
          if (!node || !env.nodes.some((n) => n.node === node) || !port) continue;
          const target = ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? { kind: 'pod' as const, name: ep.targetRef.name, namespace: ep.targetRef.namespace ?? ex.namespace, port } : { kind: 'node' as const, name: node, port };
          const from = `${ex.namespace}/${ex.name} → ${target.kind} ${target.name}:${port}`;
          // The exporter must answer: a proxy error (it is down) is retried until the expected behaviour's own deadline.
          let last = '';
          const r = await s.poll(`the exporter ${from} to answer`, async () => {
            const a = await s.http(target, '/metrics', { timeoutMs: 10_000 });
            last = `HTTP ${a.status}: ${a.body.slice(0, 160).replace(/\s+/g, ' ')}`;
            if (a.status === 401 || a.status === 403) return { forbidden: last };
            return a.status === 200 ? { body: a.body } : undefined;
          }, { intervalMs: 2_000, timeoutMs: 30_000, describe: () => last });
          if (!r.ok) {
            problems.push(`${node}: ${from} did not answer (${r.message})`);
            continue;
          }
          if ('forbidden' in r.value) {
            forbidden = `${from}: ${r.value.forbidden}`;
            continue;
          }
          s.evidence(`scrape-${node}-${ex.name}.txt`, r.value.body.slice(0, 1_000_000));
          const parsed = readExposition(r.value.body);
          if ('error' in parsed) {
            problems.push(`${node}: ${from} served malformed metrics (${parsed.error})`);
            continue;
          }
          const samples = parsed.samples;
          const family = ex.family ?? EXPORTER_FAMILIES.find((f) => samples.some((x) => f.utilisation.includes(x.name) || f.memory.includes(x.name)));
          if (!family) {
            problems.push(`${node}: ${from} serves no series kaic recognises (${[...new Set(samples.map((x) => x.name))].slice(0, 5).join(', ') || 'none'})`);
            continue;
          }
          scrapes.set(node, [...(scrapes.get(node) ?? []), { samples, family, from }]);
        }
      }
    }
    const rows: DeviceRow[] = [];
    const perNode = new Map<string, { rows: Map<string, DeviceRow>; unlabelled: Sample[]; family: ExporterFamily; label?: string }>();
    for (const [node, list] of scrapes) {
      for (const sc of list) {
        const d = devicesIn(sc.samples, sc.family, node);
        const prev = perNode.get(node);
        if (!prev || d.rows.size > prev.rows.size) perNode.set(node, { ...d, family: sc.family });
      }
    }
    for (const v of perNode.values()) rows.push(...v.rows.values());
    const fmt = (x?: number) => (x === undefined ? '—' : String(x));
    s.evidence('devices.md', ['| node | device | identity | utilisation | memory | temperature | power | interconnect |', '|---|---|---|---|---|---|---|---|', ...rows.map((r) => `| ${r.node} | ${r.device} | ${r.identity ?? ''} | ${fmt(r.utilisation)} | ${fmt(r.memory)} | ${fmt(r.temperature)} | ${fmt(r.power)} | ${fmt(r.interconnect)} |`)].join('\n'));
    const families = [...new Set([...perNode.values()].map((v) => v.family))];
    s.evidence('otel-mapping.md', ['| exporter series | OpenTelemetry GPU semantic convention |', '|---|---|', ...families.flatMap((f) => Object.entries(f.otel).filter(([k]) => [...scrapes.values()].flat().some((sc) => sc.samples.some((x) => x.name === k))).map(([k, v]) => `| ${k} | ${v} |`))].join('\n'));

    await s.case('ExporterOnEveryAcceleratorNode', async (c) => {
      if (forbidden && !scrapes.size) return c.notRun('missing-rbac', `the API server's proxy refused kaic: ${forbidden}`, 'grant the ClusterRole printed by `kaic rbac` (nodes/proxy, pods/proxy, services/proxy get)');
      const missing = env.nodes.filter((n) => !scrapes.has(n.node)).map((n) => n.node);
      if (missing.length) return c.fail(`an accelerator metrics exporter answers on every real accelerator node (${env.nodes.map((n) => n.node).join(', ')})`, `none answered on ${missing.join(', ')}${problems.length ? `: ${problems.join('; ')}` : ' (no exporter endpoint there)'}`);
      c.pass(`${env.nodes.length} node(s) scraped: ${[...scrapes].map(([n, l]) => `${n} (${l.map((x) => `${x.family.name}, ${x.samples.length} samples`).join('; ')})`).join(', ')}${env.simulated.length ? `; ${env.simulated.length} simulated node(s) not expected to have one` : ''}`);
    });

    await s.case('SeriesNameTheirDevice', async (c) => {
      if (!perNode.size) return c.notRun('control-failed', 'no exporter was scraped');
      for (const [node, v] of perNode) {
        if (v.unlabelled.length) return c.fail(`every utilisation and memory series names its device (a label such as ${v.family.deviceLabels.join(', ')})`, `${node}: ${v.unlabelled.length} series with none, e.g. ${v.unlabelled[0]!.name}{${Object.entries(v.unlabelled[0]!.labels).map(([k, x]) => `${k}="${x}"`).join(',')}}`);
      }
      c.pass([...perNode].map(([n, v]) => `${n}: every series carries ${v.label}`).join('; '));
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
        const lacking = [...wholeDevices(v.rows.values())].filter((d) => !covered.has(d));
        if (lacking.length) return c.fail(`a ${kind} series (${names.join(' or ')}) for every device ${want.node} reports`, `no ${kind} series for ${lacking.join(', ')}`);
        const devices = covered;
        const res = v.family.countsResource;
        const count = res ? want.alt[res] ?? 0 : want.count;
        const source = res ? `${count} ${res}` : want.source;
        if (devices.size < count) return c.fail(`${kind} series for all ${count} devices ${want.node} advertises (${source})`, `series for ${devices.size}: ${[...devices].join(', ') || 'none'}`);
        if (want.identities.length && v.family.identityLabel) {
          const seenIds = new Set(have.map((r) => r.identity).filter(Boolean));
          const absent = want.identities.filter((id) => !seenIds.has(id));
          if (absent.length) return c.fail(`a ${kind} series for each device ${want.node} publishes, by ${v.family.identityLabel}`, `no series for ${absent.join(', ')}`);
        }
        said.push(`${want.node}: ${devices.size} device(s) with ${kind} series, ${count} advertised (${source})${want.identities.length && v.family.identityLabel ? `, every published ${v.family.identityLabel} present` : ''}${devices.size > count ? `; ${devices.size - count} more in the metrics than advertised` : ''}`);
      }
      c.pass(said.join('; '));
    };
    await s.case('UtilisationForEveryDevice', perDevice('utilisation'));
    await s.case('MemoryForEveryDevice', perDevice('memory'));
  },
});
