import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CheckScope, type KObject } from './api.js';
import { isReadyNode, nodeName } from './support/nodes.js';
import { onNodes, restrictedPod } from './support/pods.js';
import { integer } from './settings.js';

/** A Prometheus kaic found as a Service (the API server's proxy reaches it), unless --prometheus names one. */
interface PromService { readonly namespace: string; readonly name: string; readonly port: number }
interface Env {
  readonly node: string;
  readonly tolerations: { key: string; operator: string }[];
  readonly service?: PromService;
  readonly operator: boolean;
}

const PORT = 8080;
const METRICS_PATH = '/cgi-bin/metrics';
export const REQUESTS = 'kaic_inference_requests_total';
export const LATENCY = 'kaic_inference_request_duration_seconds';
export const QUEUE = 'kaic_inference_queue_size';

/**
 * The workload: busybox's httpd serving two CGI programs, an "inference" endpoint that counts each
 * request and observes its latency, and a Prometheus endpoint with a request counter, a latency
 * histogram and a queue gauge, every series labelled with the run. Busybox is in every registry
 * mirror kaic already needs; state lives in an emptyDir (the container runs as nobody).
 */
export function workloadScript(run: string): string[] {
  const infer = [
    '#!/bin/sh',
    'S=/w/state',
    'echo 1 > $S/queue',
    't0=$(cut -d" " -f1 /proc/uptime)',
    'n=$(cat $S/count); echo $((n+1)) > $S/count',
    't1=$(cut -d" " -f1 /proc/uptime)',
    'd=$(echo "$t0 $t1" | awk \'{printf "%d", ($2-$1)*100}\')',
    'for le in 5 10 50 100; do b=$(cat $S/b$le); [ "$d" -le "$le" ] && b=$((b+1)); echo $b > $S/b$le; done',
    'sum=$(cat $S/sum); echo $((sum+d)) > $S/sum',
    'echo 0 > $S/queue',
    'printf "Content-Type: application/json\\r\\n\\r\\n"',
    'echo \'{"model":"kaic-probe","choices":[{"text":"ok"}]}\'',
  ].join('\n');
  const metrics = [
    '#!/bin/sh',
    'S=/w/state; R=$(cat $S/run); n=$(cat $S/count)',
    'printf "Content-Type: text/plain; version=0.0.4\\r\\n\\r\\n"',
    `echo "# TYPE ${REQUESTS} counter"`,
    `echo "${REQUESTS}{kaic_run=\\"$R\\"} $n"`,
    `echo "# TYPE ${LATENCY} histogram"`,
    `for le in 5 10 50 100; do echo "${LATENCY}_bucket{kaic_run=\\"$R\\",le=\\"$(awk "BEGIN{print $le/100}")\\"} $(cat $S/b$le)"; done`,
    `echo "${LATENCY}_bucket{kaic_run=\\"$R\\",le=\\"+Inf\\"} $n"`,
    `echo "${LATENCY}_sum{kaic_run=\\"$R\\"} $(awk "BEGIN{print $(cat $S/sum)/100}")"`,
    `echo "${LATENCY}_count{kaic_run=\\"$R\\"} $n"`,
    `echo "# TYPE ${QUEUE} gauge"`,
    `echo "${QUEUE}{kaic_run=\\"$R\\"} $(cat $S/queue)"`,
  ].join('\n');
  const setup = [
    'set -e',
    'mkdir -p /w/cgi-bin /w/state',
    `echo '${run}' > /w/state/run`,
    'for f in count sum queue b5 b10 b50 b100; do echo 0 > /w/state/$f; done',
    `cat > /w/cgi-bin/infer <<'KAIC_EOF'\n${infer}\nKAIC_EOF`,
    `cat > /w/cgi-bin/metrics <<'KAIC_EOF'\n${metrics}\nKAIC_EOF`,
    'chmod 755 /w/cgi-bin/infer /w/cgi-bin/metrics',
    `exec httpd -f -p ${PORT} -h /w`,
  ].join('\n');
  return ['sh', '-c', setup];
}

/** A `duration` as Prometheus writes one (`15s`, `1m`, `1m30s`), in ms. */
export function promDuration(d: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(d.trim());
  if (!m || !d.trim()) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000 + Number(m[4] ?? 0);
}

/** What the running configuration says of pod discovery by annotation, and the scrape interval. */
export function readPromConfig(yaml: string): { annotations: boolean; intervalMs: number } {
  const global = /^global:\s*\n(?:[ \t]+.*\n)*?[ \t]+scrape_interval:\s*(\S+)/m.exec(yaml);
  const intervalMs = (global ? promDuration(global[1]!.replace(/['"]/g, '')) : undefined) ?? 60_000;
  // kubernetes_sd with role pod, keeping pods by the prometheus.io/scrape annotation (the common charts' job).
  const annotations = /role:\s*pod\b/.test(yaml) && /__meta_kubernetes_pod_annotation_prometheus_io_scrape/.test(yaml);
  return { annotations, intervalMs };
}

const settings = {
  'service.requests': integer({ description: 'how many requests to send; the monitoring system must report exactly this many', default: '20', min: 5, max: 1000 }),
};

export default defineCheck({
  id: 'ai_service_metrics',
  testName: 'TestAIServiceMetrics',
  summary: 'runs a small inference-like workload exporting a request counter, a latency histogram and a queue gauge labelled with the run; registers it the way the monitoring system discovers targets (Prometheus pod annotations, or a user scrape manifest: --fixture scrape=FILE); sends exactly N requests, and Prometheus must report exactly N (more is a failure too), the histogram\'s count N and the gauge; a workload restart fails it',
  cases: ['TargetDiscovered', 'ExactRequestCount', 'HistogramAndQueueGauge'],
  uses: [
    { group: '', resources: ['pods', 'services'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['services/proxy', 'pods/proxy', 'nodes/proxy'], verbs: ['get'] },
    { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['get', 'list'] },
    { group: 'monitoring.coreos.com', resources: ['servicemonitors', 'podmonitors'], verbs: ['get', 'list', 'create', 'delete'] },
  ],
  settings,
  images: ['probe'],
  timeoutMs: 8 * 60_000,

  async discover({ cluster, list }) {
    const real = cluster.nodes.filter((n) => isReadyNode(n) && !n.spec?.unschedulable && !cluster.isSimulated(nodeName(n)) && n.metadata?.labels?.['kubernetes.io/os'] !== 'windows');
    const services = await list<{ metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec?: { ports?: { name?: string; port: number }[] } }>({ apiVersion: 'v1', kind: 'Service' });
    const skip = /operator|alertmanager|node-exporter|pushgateway|adapter|blackbox|kube-state|thanos|grafana/;
    const prom = services.find((x) => {
      const names = [x.metadata.name, ...Object.values(x.metadata.labels ?? {})];
      return names.some((v) => /prometheus/.test(v)) && !names.some((v) => skip.test(v)) && x.spec?.ports?.some((p) => p.port === 9090 || /^(web|http)/.test(p.name ?? ''));
    });
    const port = prom?.spec?.ports?.find((p) => p.port === 9090) ?? prom?.spec?.ports?.find((p) => /^(web|http)/.test(p.name ?? ''));
    const operator = cluster.serves('monitoring.coreos.com/v1', 'servicemonitors');
    const found: Record<string, string> = { monitoring: prom ? `${prom.metadata.namespace}/${prom.metadata.name}:${port!.port}` : 'none found (pass --prometheus)', prometheusOperator: operator ? 'ServiceMonitor/PodMonitor served' : 'no' };
    if (!real.length) return { ready: false, reason: cluster.nodes.length ? 'simulated-nodes' : 'missing-component', detail: 'no real, schedulable node to run the workload on (kwok nodes run no containers)', remedy: 'run against a cluster with real nodes', found };
    const node = real[0]!;
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect !== 'PreferNoSchedule').map((t) => t.key);
    return { ready: true, env: { node: nodeName(node), tolerations: [...new Set(taints)].sort().map((key) => ({ key, operator: 'Exists' })), operator, ...(prom ? { service: { namespace: prom.metadata.namespace, name: prom.metadata.name, port: port!.port } } : {}) }, found };
  },

  async prove(env: Env, s) {
    const prom = promApi(s, env.service ? await promTarget(s, env.service) : undefined);
    if (!prom) {
      for (const name of ['TargetDiscovered', 'ExactRequestCount', 'HistogramAndQueueGauge']) await s.case(name, async (c) => c.notRun('missing-component', 'no Prometheus found (no Service named or labelled prometheus with a web port) and no --prometheus given', 'pass --prometheus NAMESPACE/SERVICE:PORT or an http(s) URL'));
      return;
    }
    const run = s.namespace;
    const n = s.settings['service.requests'] as number;
    const labels = { 'app.kubernetes.io/name': 'kaic-inference-probe' };
    // How the monitoring system finds targets: a user's scrape manifest, else its own configuration.
    const config = await prom.get('/api/v1/status/config');
    const yaml = config.status === 200 ? ((JSON.parse(config.body) as { data?: { yaml?: string } }).data?.yaml ?? '') : '';
    const conf = readPromConfig(yaml);
    s.evidence('prometheus-config.yaml', yaml || `(not readable: HTTP ${config.status})`);
    await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'inference', labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORT), 'prometheus.io/path': METRICS_PATH } }, spec: restrictedPod({ tolerations: env.tolerations, affinity: onNodes([env.node]), restartPolicy: 'Always', automountServiceAccountToken: false, volumes: [{ name: 'w', emptyDir: {} }], containers: [{ name: 'server', image: s.images.probe, command: workloadScript(run), ports: [{ name: 'http', containerPort: PORT }], volumeMounts: [{ name: 'w', mountPath: '/w' }] }] }) } as KObject);
    await s.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'inference', labels }, spec: { selector: labels, ports: [{ name: 'http', port: PORT, targetPort: PORT }] } });
    const user = await s.fixture('scrape', { pod: 'inference', service: 'inference', port: String(PORT), path: METRICS_PATH, run });
    const registration = user ? `the user's scrape manifest (${user.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')})` : conf.annotations ? 'pod annotations prometheus.io/scrape, port and path, which its pod discovery keeps' : undefined;
    const unreadable = config.status !== 200 && !user ? `Prometheus's configuration could not be read through ${env.service ? `${env.service.namespace}/${env.service.name}` : '--prometheus'}: HTTP ${config.status} ${config.body.slice(0, 160)}` : undefined;
    const started = await s.waitForPods(['inference'], 'Running', 120_000);
    const sel = `{kaic_run="${run}"}`;
    const value = async (q: string) => {
      const r = await prom.query(q);
      if (!r.ok) return r;
      return { ok: true as const, values: r.result.map((x) => Number(x.value[1])) };
    };
    const interval = conf.intervalMs;
    // Long enough for discovery to see the pod, a scrape, and a query to see it: several intervals.
    const appearMs = Math.min(6 * interval + 30_000, 5 * 60_000);
    let targetReason = '';
    const discovered = started.ok && registration ? await s.poll('the workload\'s series in Prometheus', async () => {
      const r = await value(`${REQUESTS}${sel}`);
      if (!r.ok) {
        targetReason = r.detail;
        return undefined;
      }
      if (r.values.length) return r.values;
      targetReason = await targetState(prom, run);
      return undefined;
    }, { intervalMs: Math.min(interval, 5_000), timeoutMs: appearMs, describe: () => targetReason || 'no series yet' }) : undefined;

    await s.case('TargetDiscovered', async (c) => {
      if (!started.ok) return c.notRun('control-failed', `the workload did not start on ${env.node}: ${started.message}`);
      if (unreadable) return c.notRun('api-error', unreadable, 'check that Prometheus answers, or pass --prometheus');
      if (!registration) return c.notRun('no-verdict', `kaic does not know how this Prometheus discovers targets: its configuration has no pod discovery by the prometheus.io/scrape annotation${env.operator ? ', and the Prometheus Operator\'s selectors are the user\'s' : ''}`, 'pass a scrape manifest with --fixture scrape=FILE (templated: {{namespace}}, {{pod}}, {{service}}, {{port}}, {{path}}), as upstream\'s -service-metrics-scrape-manifest');
      if (!discovered!.ok) {
        if (/^the API server|^Prometheus answered/.test(targetReason)) return c.notRun('api-error', targetReason);
        return c.fail(`Prometheus scrapes the workload, registered by ${registration}, within ${Math.round(appearMs / 1000)}s (${Math.round(interval / 1000)}s scrape interval)`, discovered!.message);
      }
      c.pass(`Prometheus found the workload through ${registration} and reports ${REQUESTS}${sel} = ${discovered!.value.join(', ')}`);
    });

    let counted: number | undefined;
    await s.case('ExactRequestCount', async (c) => {
      if (!discovered?.ok) return c.notRun('control-failed', 'the workload\'s series never reached Prometheus');
      // Exactly N requests, one at a time; each must be answered, or N is not known.
      for (let i = 0; i < n; i++) {
        const a = await s.http({ name: 'inference', port: PORT }, '/cgi-bin/infer', { timeoutMs: 10_000 });
        if (a.status !== 200) return c.notRun('control-failed', `request ${i + 1} of ${n} was answered HTTP ${a.status}: the number of requests served is not known`);
      }
      // The control: the workload itself counted exactly N.
      const own = await s.http({ name: 'inference', port: PORT }, METRICS_PATH, { timeoutMs: 10_000 });
      const mine = Number(new RegExp(`^${REQUESTS}\\{[^}]*\\} (\\d+)`, 'm').exec(own.body)?.[1]);
      if (mine !== n) return c.notRun('control-failed', `the workload itself counted ${Number.isNaN(mine) ? 'nothing readable' : mine} after ${n} requests`);
      let last = '';
      const r = await s.poll(`Prometheus to report ${n} requests`, async () => {
        const v = await value(`sum(${REQUESTS}${sel})`);
        if (!v.ok) {
          last = v.detail;
          return undefined;
        }
        last = `${v.values[0] ?? 'no series'}`;
        return v.values[0] !== undefined && v.values[0] >= n ? v.values[0] : undefined;
      }, { intervalMs: Math.min(interval, 5_000), timeoutMs: Math.min(4 * interval + 20_000, 4 * 60_000), describe: () => last });
      const pod = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: 'inference' });
      const restarts = pod?.status?.containerStatuses?.[0]?.restartCount ?? 0;
      if (restarts > 0) return c.fail('the workload runs without a restart (a restart resets its counters)', `it restarted ${restarts} time(s)`);
      if (!r.ok) return c.fail(`Prometheus reports exactly ${n} requests`, `it reports ${last} (${r.message})`);
      if (r.value !== n) return c.fail(`Prometheus reports exactly ${n} requests`, `it reports ${r.value}: more than were sent`);
      // One more scrape: the count must stay at N.
      const again = await s.poll('one more scrape', async () => undefined, { intervalMs: interval, timeoutMs: interval });
      void again;
      const after = await value(`sum(${REQUESTS}${sel})`);
      if (after.ok && after.values[0] !== n) return c.fail(`Prometheus keeps reporting exactly ${n} requests`, `a scrape later it reports ${after.values[0]}`);
      counted = n;
      c.pass(`sent ${n} requests; the workload counted ${mine}; Prometheus reports ${REQUESTS}${sel} = ${n}, still ${n} one scrape later`);
    });

    await s.case('HistogramAndQueueGauge', async (c) => {
      if (counted === undefined) return c.notRun('control-failed', 'the request count was not proven');
      const count = await value(`sum(${LATENCY}_count${sel})`);
      const buckets = await value(`${LATENCY}_bucket${sel}`);
      const gauge = await value(`${QUEUE}${sel}`);
      if (!count.ok || !buckets.ok || !gauge.ok) return c.notRun('api-error', [count, buckets, gauge].map((x) => (x.ok ? '' : x.detail)).filter(Boolean).join('; '));
      if (count.values[0] !== counted) return c.fail(`the latency histogram counts ${counted} observations`, `${LATENCY}_count is ${count.values[0] ?? 'absent'}`);
      if (buckets.values.length < 2) return c.fail(`the latency histogram has its buckets`, `${buckets.values.length} bucket series`);
      if (!gauge.values.length) return c.fail('the queue gauge is reported', `${QUEUE}${sel} is absent`);
      c.pass(`${LATENCY}: ${buckets.values.length} buckets, count ${count.values[0]}; ${QUEUE} = ${gauge.values[0]}`);
    });
  },
});

interface PromApi {
  get(path: string): Promise<{ status: number; body: string }>;
  query(q: string): Promise<{ ok: true; result: { metric: Record<string, string>; value: [number, string] }[] } | { ok: false; detail: string }>;
}

type Target = { kind: 'service' | 'pod' | 'node'; name: string; namespace?: string; port: number };

/**
 * Where the discovered Prometheus answers through the API server: its Service when its endpoints
 * are pods (the service proxy reaches only pods), else the node its endpoint is on (a host process
 * or a host-network pod without a target reference).
 */
async function promTarget(s: CheckScope, svc: PromService): Promise<Target> {
  const slices = await s.list<{ ports?: { port?: number }[]; endpoints?: { nodeName?: string; targetRef?: { kind?: string } }[] }>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: svc.namespace, labelSelector: `kubernetes.io/service-name=${svc.name}` });
  const eps = slices.flatMap((x) => (x.endpoints ?? []).map((e) => ({ e, port: x.ports?.[0]?.port })));
  const host = eps.find(({ e }) => e.targetRef?.kind !== 'Pod' && e.nodeName);
  if (host && !eps.some(({ e }) => e.targetRef?.kind === 'Pod')) return { kind: 'node', name: host.e.nodeName!, port: host.port ?? svc.port };
  return { kind: 'service', name: svc.name, namespace: svc.namespace, port: svc.port };
}

/** `--prometheus` when given, else the Prometheus discovery found, through the API server's proxy. */
function promApi(s: CheckScope, target: Target | undefined): PromApi | undefined {
  const get = s.prometheus ? (p: string) => s.prometheus!.get(p) : target ? (p: string) => s.http(target, p, { timeoutMs: 15_000, maxBytes: 16 * 2 ** 20 }) : undefined;
  if (!get) return undefined;
  return {
    get,
    async query(q) {
      const a = await get(`/api/v1/query?query=${encodeURIComponent(q)}`);
      if (a.status !== 200) return { ok: false, detail: `${/"kind"\s*:\s*"Status"/.test(a.body) ? 'the API server' : 'Prometheus'} answered HTTP ${a.status}: ${a.body.slice(0, 160)}` };
      const d = JSON.parse(a.body) as { data?: { result?: { metric: Record<string, string>; value: [number, string] }[] } };
      return { ok: true, result: d.data?.result ?? [] };
    },
  };
}

/** What Prometheus says of the workload's target: its health and last error, or that it has none. */
async function targetState(prom: PromApi, run: string): Promise<string> {
  const a = await prom.get('/api/v1/targets?state=active');
  if (a.status !== 200) return `targets not readable (HTTP ${a.status})`;
  const d = JSON.parse(a.body) as { data?: { activeTargets?: { labels?: Record<string, string>; health?: string; lastError?: string; scrapeUrl?: string }[] } };
  const mine = (d.data?.activeTargets ?? []).filter((t) => t.labels?.namespace === run || t.scrapeUrl?.includes(METRICS_PATH));
  if (!mine.length) return 'Prometheus has no target for the workload';
  return mine.map((t) => `target ${t.scrapeUrl} is ${t.health}${t.lastError ? `: ${t.lastError}` : ''}`).join('; ');
}
