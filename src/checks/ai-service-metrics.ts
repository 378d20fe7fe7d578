import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type KObject } from './api.js';
import { LATENCY, METRICS_PATH, PORT, QUEUE, REQUESTS, workloadScript } from './support/inference-probe.js';
import { findPrometheus, promApi, promTarget, readPromConfig, targetState, type PromService } from './support/prometheus.js';
import { nodeName, realNodes, tolerationsFor } from './support/nodes.js';
import { onNodes, restrictedPod } from './support/pods.js';
import { integer } from './settings.js';

/** A Prometheus kaic found as a Service (the API server's proxy reaches it), unless --prometheus names one. */
interface Env {
  readonly node: string;
  readonly tolerations: { key: string; operator: string }[];
  readonly service?: PromService;
  readonly operator: boolean;
}


const settings = {
  'service.requests': integer({ description: 'how many requests to send; the monitoring system must report exactly this many', default: '20', min: 5, max: 1000 }),
};

export default defineCheck({
  id: 'ai_service_metrics',
  testName: 'TestAIServiceMetrics',
  summary: 'runs a small inference-like workload exporting a request counter, a latency histogram and a queue gauge labelled with the run; registers it the way the monitoring system discovers targets (Prometheus pod annotations, or a user scrape manifest: --fixture scrape=FILE); sends exactly N requests, and Prometheus must report exactly N (more is a failure too), the histogram\'s count N and the gauge; a workload restart fails it',
  needs: 'a Prometheus found by its Service or `--prometheus`, discovering pods by annotation or through your scrape manifest (`--fixture scrape=FILE`), and a real node',
  cannotProve: 'collectors other than Prometheus (an OpenTelemetry collector that remote-writes is proven only through the Prometheus it writes to)',
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
    const real = realNodes(cluster);
    const services = await list<{ metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec?: { ports?: { name?: string; port: number }[] } }>({ apiVersion: 'v1', kind: 'Service' });
    const { prom, port } = findPrometheus(services);
    const operator = cluster.serves('monitoring.coreos.com/v1', 'servicemonitors');
    const found: Record<string, string> = { monitoring: prom ? `${prom.metadata.namespace}/${prom.metadata.name}:${port!.port}` : 'none found (pass --prometheus)', prometheusOperator: operator ? 'ServiceMonitor/PodMonitor served' : 'no' };
    if (!real.length) return { ready: false, reason: cluster.nodes.length ? 'simulated-nodes' : 'missing-component', detail: 'no real, schedulable node to run the workload on (kwok nodes run no containers)', remedy: 'run against a cluster with real nodes', found };
    const node = real[0]!;
    return { ready: true, env: { node: nodeName(node), tolerations: tolerationsFor([node], [nodeName(node)]), operator, ...(prom ? { service: { namespace: prom.metadata.namespace, name: prom.metadata.name, port: port!.port } } : {}) }, found };
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
    // The user's scrape manifest first (it may name the pod before it exists); with one, the pod
    // carries no scrape annotations: one registration, one series.
    const user = await s.fixture('scrape', { pod: 'inference', service: 'inference', port: String(PORT), path: METRICS_PATH, run });
    const annotations = user ? {} : { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORT), 'prometheus.io/path': METRICS_PATH };
    await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'inference', labels, annotations }, spec: restrictedPod({ tolerations: env.tolerations, affinity: onNodes([env.node]), restartPolicy: 'Always', automountServiceAccountToken: false, volumes: [{ name: 'w', emptyDir: {} }], containers: [{ name: 'server', image: s.images.probe, command: workloadScript(run), ports: [{ name: 'http', containerPort: PORT }], volumeMounts: [{ name: 'w', mountPath: '/w' }] }] }) } as KObject);
    await s.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'inference', labels }, spec: { selector: labels, ports: [{ name: 'http', port: PORT, targetPort: PORT }] } });
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
    let apiTrouble: string | undefined;
    const discovered = started.ok && registration ? await s.poll('the workload\'s series in Prometheus', async () => {
      const r = await value(`${REQUESTS}${sel}`);
      if (!r.ok) {
        apiTrouble = r.detail;
        return undefined;
      }
      apiTrouble = undefined;
      if (r.values.length) return r.values;
      const t = await targetState(prom, run);
      if (t.api) apiTrouble = t.text;
      else targetReason = t.text;
      return undefined;
    }, { intervalMs: Math.min(interval, 5_000), timeoutMs: appearMs, describe: () => apiTrouble ?? (targetReason || 'no series yet') }) : undefined;
    /** The workload itself: running, never restarted, serving its series (the control for any "Prometheus does not"). */
    const workloadHealthy = async (): Promise<string | undefined> => {
      const pod = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: 'inference' });
      if (!pod || pod.status?.phase !== 'Running') return `the workload pod is ${pod ? pod.status?.phase : 'gone'}${pod?.status?.reason ? ` (${pod.status.reason})` : ''}`;
      const restarts = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
      if (restarts > 0) return `the workload restarted ${restarts} time(s)`;
      const own = await s.http({ name: 'inference', port: PORT }, METRICS_PATH, { timeoutMs: 10_000 });
      return own.status === 200 && own.body.includes(`${REQUESTS}{kaic_run="${run}"}`) ? undefined : `the workload's own ${METRICS_PATH} answered HTTP ${own.status} without its series`;
    };

    await s.case('TargetDiscovered', async (c) => {
      if (!started.ok) return c.notRun('control-failed', `the workload did not start on ${env.node}: ${started.message}`);
      if (unreadable) return c.notRun('api-error', unreadable, 'check that Prometheus answers, or pass --prometheus');
      if (!registration) return c.notRun('no-verdict', `kaic does not know how this Prometheus discovers targets: its configuration has no pod discovery by the prometheus.io/scrape annotation${env.operator ? ', and the Prometheus Operator\'s selectors are the user\'s' : ''}`, 'pass a scrape manifest with --fixture scrape=FILE (templated: {{namespace}}, {{pod}}, {{service}}, {{port}}, {{path}}), as upstream\'s -service-metrics-scrape-manifest');
      if (!discovered!.ok) {
        if (apiTrouble) return c.notRun('api-error', `Prometheus could not be asked: ${apiTrouble}`);
        const sick = await workloadHealthy();
        if (sick) return c.notRun('control-failed', `${sick}, so Prometheus not reporting it proves nothing`);
        if (conf.guess && !user) return c.notRun('no-verdict', `the workload's series never reached Prometheus, but the annotations were a guess: ${conf.guess} (${discovered!.message})`, 'pass a scrape manifest with --fixture scrape=FILE');
        return c.fail(`Prometheus scrapes the workload, registered by ${registration}, within ${Math.round(appearMs / 1000)}s (${Math.round(interval / 1000)}s scrape interval)`, discovered!.message);
      }
      c.pass(`Prometheus found the workload through ${registration} and reports ${REQUESTS}${sel} = ${discovered!.value.join(', ')}`);
    });

    let counted: number | undefined;
    await s.case('ExactRequestCount', async (c) => {
      if (!discovered?.ok) return c.notRun('control-failed', 'the workload\'s series never reached Prometheus');
      // Exactly N requests, one at a time; each must be answered, or N is not known.
      for (let i = 0; i < n; i++) {
        const a = await s.http({ name: 'inference', port: PORT }, '/cgi-bin/infer', { timeoutMs: 10_000, once: true });
        if (a.status !== 200) return c.notRun('control-failed', `request ${i + 1} of ${n} was answered HTTP ${a.status}: the number of requests served is not known`);
      }
      // The control: the workload itself counted exactly N.
      const own = await s.http({ name: 'inference', port: PORT }, METRICS_PATH, { timeoutMs: 10_000 });
      const mine = Number(new RegExp(`^${REQUESTS}\\{[^}]*\\} (\\d+)`, 'm').exec(own.body)?.[1]);
      if (mine !== n) return c.notRun('control-failed', `the workload itself counted ${Number.isNaN(mine) ? 'nothing readable' : mine} after ${n} requests`);
      // Each series on its own (two registrations of one pod would be two series, each N; a sum would be 2N).
      let last = '';
      let trouble: string | undefined;
      const r = await s.poll(`Prometheus to report ${n} requests`, async () => {
        const v = await value(`${REQUESTS}${sel}`);
        if (!v.ok) {
          trouble = v.detail;
          return undefined;
        }
        trouble = undefined;
        last = v.values.join(', ') || 'no series';
        return v.values.length && v.values.every((x) => x >= n) ? v.values : undefined;
      }, { intervalMs: Math.min(interval, 5_000), timeoutMs: Math.min(4 * interval + 20_000, 4 * 60_000), describe: () => trouble ?? last });
      const pod = await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: 'inference' });
      if (!pod) return c.notRun('control-failed', 'the workload pod is gone (evicted?)');
      const restarts = pod.status?.containerStatuses?.[0]?.restartCount ?? 0;
      if (restarts > 0) return c.fail('the workload runs without a restart (a restart resets its counters)', `it restarted ${restarts} time(s)`);
      if (!r.ok && trouble) return c.notRun('api-error', `Prometheus could not be asked: ${trouble}`);
      if (!r.ok) return c.fail(`Prometheus reports exactly ${n} requests`, `it reports ${last} (${r.message})`);
      const over = r.value.filter((x) => x !== n);
      if (over.length) return c.fail(`Prometheus reports exactly ${n} requests`, `it reports ${r.value.join(', ')}: more than were sent`);
      // One more scrape: the count must stay at N.
      const again = await s.poll('one more scrape', async () => undefined, { intervalMs: interval, timeoutMs: interval });
      void again;
      const after = await value(`${REQUESTS}${sel}`);
      if (after.ok && after.values.some((x) => x !== n)) return c.fail(`Prometheus keeps reporting exactly ${n} requests`, `a scrape later it reports ${after.values.join(', ')}`);
      counted = n;
      c.pass(`sent ${n} requests; the workload counted ${mine}; Prometheus reports ${REQUESTS}${sel} = ${n}${r.value.length > 1 ? ` in each of ${r.value.length} series` : ''}, still ${n} one scrape later`);
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
      c.pass(`${LATENCY}: ${buckets.values.length} bucket series, count ${count.values[0]} (the probe's own handling time, not a model's); ${QUEUE} = ${gauge.values[0]}`);
    });
  },
});

