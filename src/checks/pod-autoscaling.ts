import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CheckScope, type KObject } from './api.js';
import { LOAD, METRICS_PATH, PORT, workloadScript } from './support/inference-probe.js';
import { deviceRequest, findDraPath } from './support/dra.js';
import { isReadyNode, nodeName } from './support/nodes.js';
import { isServingPod, onNodes, restrictedPod } from './support/pods.js';
import { findPrometheus, promApi, promDuration, promTarget, readPromConfig } from './support/prometheus.js';
import { usedOnNode } from './support/capacity.js';
import { parseQuantity } from './support/quantity.js';
import { duration } from './settings.js';
import { acceleratorNodes, tolerationsForNodes } from './profiles/accelerators.js';

interface MetricsApi { readonly name: string; readonly available: boolean; readonly message: string; readonly service: string }
interface Env {
  readonly apis: readonly MetricsApi[];
  readonly resource?: string;
  readonly dra?: { gv: string; version: string; deviceClass: string };
  readonly nodes: readonly string[];
  readonly tolerations: { key: string; operator: string }[];
  readonly prometheus?: { namespace: string; name: string; port: number };
}
interface HpaStatus {
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: { pods?: { metric?: { name?: string }; current?: { averageValue?: string } } }[];
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

const TARGET = 10;
const HIGH = 40;

const settings = {
  'autoscaling.timeout': duration({ description: 'the least each direction may take (kaic waits longer where the scrape interval and the adapter\'s relist interval it can read ask for it)', default: '3m', min: '30s', max: '10m' }),
};

export default defineCheck({
  id: 'pod_autoscaling',
  testName: 'TestPodAutoscaling',
  summary: 'finds the custom and external metrics APIs and who serves them; runs a Deployment whose pods each request an accelerator and export a gauge, with an autoscaling/v2 HPA on that custom metric; driving the metric above target must scale out onto accelerator nodes, and below it scale back in; the evidence holds the metric values and replica counts over time',
  needs: 'an available `custom.metrics.k8s.io` APIService fed by a Prometheus that sees kaic\'s pods, and a real node with two free accelerators',
  cannotProve: 'external metrics (KEDA), or the default scale-down stabilisation window (kaic\'s HPA sets none)',
  cases: ['CustomMetricServed', 'ScalesOutOnAccelerators', 'ScalesIn'],
  uses: [
    { group: 'apiregistration.k8s.io', resources: ['apiservices'], verbs: ['get', 'list'] },
    { group: 'apps', resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: 'autoscaling', resources: ['horizontalpodautoscalers'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods', 'services'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resources: ['pods/proxy', 'services/proxy', 'nodes/proxy'], verbs: ['get'] },
    { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['get', 'list'] },
    { group: 'resource.k8s.io', resources: ['deviceclasses', 'resourceslices'], verbs: ['get', 'list'] },
    { group: 'resource.k8s.io', resources: ['resourceclaimtemplates', 'resourceclaims'], verbs: ['get', 'list', 'create', 'delete'] },
  ],
  settings,
  images: ['probe'],
  capacity: { acceleratorNodes: 1 },
  timeoutMs: 25 * 60_000,

  async discover({ cluster, accelerator: profile, list }) {
    const regs = await list<ApiServiceObj>({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService' });
    const apis = regs.filter((r) => /\.(custom|external)\.metrics\.k8s\.io$/.test(r.metadata.name)).map((r) => apiState(r, cluster.unavailable));
    const found: Record<string, string> = { metricsApis: apis.map((a) => `${a.name} → ${a.service} (${a.available ? 'available' : `unavailable: ${a.message}`})`).join('; ') || 'none' };
    const custom = apis.filter((a) => a.name.includes('.custom.'));
    if (!custom.length) return { ready: false, reason: 'missing-component', detail: `no custom.metrics.k8s.io APIService${apis.length ? ` (only ${apis.map((a) => a.name).join(', ')})` : ''}: an HPA cannot scale on a workload's own metric`, remedy: 'install a custom metrics adapter (prometheus-adapter, or the cloud\'s); KEDA serves external metrics only, which kaic does not prove yet', found };
    if (!custom.some((a) => a.available)) return { ready: false, reason: 'missing-component', detail: `custom.metrics.k8s.io is registered but not available: ${custom.map((a) => `${a.name} → ${a.service}: ${a.message}`).join('; ')}`, remedy: 'start the adapter that serves it', found };
    const ready = cluster.nodes.filter((n) => isReadyNode(n) && !cluster.isSimulated(nodeName(n)));
    const res = profile.extendedResource;
    const plugin = res ? acceleratorNodes(ready, profile).filter((n) => (parseQuantity(n.status?.allocatable?.[res]) ?? 0) >= 2).map(nodeName) : [];
    const dra = plugin.length ? undefined : await findDraPath(cluster, profile.deviceClass, new Set(ready.map(nodeName)), list);
    const nodes = plugin.length ? plugin : dra?.nodes ?? [];
    const services = await list<{ metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec?: { ports?: { name?: string; port: number }[] } }>({ apiVersion: 'v1', kind: 'Service' });
    const { prom, port } = findPrometheus(services);
    found.accelerators = plugin.length ? `${res} on ${plugin.join(', ')}` : dra ? `${dra.deviceClass} on ${dra.nodes.join(', ')}` : 'none on a real node';
    if (!nodes.length) return { ready: false, reason: cluster.allSimulated ? 'simulated-nodes' : 'missing-component', detail: `no real node with ${profile.name} accelerators for the scaled pods (containers must run to export the metric)`, remedy: 'run against a cluster with real accelerator nodes', found };
    return {
      ready: true,
      env: { apis, ...(plugin.length ? { resource: res! } : { dra: { gv: dra!.gv, version: dra!.version, deviceClass: dra!.deviceClass } }), nodes, tolerations: tolerationsForNodes(cluster.nodes, nodes, profile), ...(prom && port ? { prometheus: { namespace: prom.metadata.namespace, name: prom.metadata.name, port: port.port } } : {}) },
      found,
      nodes,
    };
  },

  async prove(env: Env, s) {
    const node = s.nodes[0]!;
    const timeout = s.settings['autoscaling.timeout'] as number;
    const free = env.resource ? (parseQuantity((await s.get<{ status?: { allocatable?: Record<string, string> } }>({ apiVersion: 'v1', kind: 'Node', name: node }))?.status?.allocatable?.[env.resource]) ?? 0) - (await usedOnNode(s, node, env.resource)) : 2;
    const max = Math.min(3, free);
    const labels = { 'app.kubernetes.io/name': 'kaic-autoscaled' };
    // How Prometheus (if one is found) scrapes, to size the waits; annotations either way.
    const prom = promApi(s, env.prometheus ? await promTarget(s, env.prometheus) : undefined);
    const config = prom ? await prom.get('/api/v1/status/config') : undefined;
    const conf = config?.status === 200 && config.body.trimStart().startsWith('{') ? readPromConfig((JSON.parse(config.body) as { data?: { yaml?: string } }).data?.yaml ?? '') : undefined;
    const user = await s.fixture('scrape', { pod: '', service: 'autoscaled', port: String(PORT), path: METRICS_PATH, run: s.namespace });
    const annotations = user ? {} : { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORT), 'prometheus.io/path': METRICS_PATH };
    const main: Record<string, unknown> = { name: 'server', image: s.images.probe, command: workloadScript(s.namespace), ports: [{ name: 'http', containerPort: PORT }], volumeMounts: [{ name: 'w', mountPath: '/w' }], readinessProbe: { httpGet: { path: METRICS_PATH, port: PORT }, periodSeconds: 1 } };
    const spec: Record<string, unknown> = { tolerations: env.tolerations, affinity: onNodes([node]), restartPolicy: 'Always', automountServiceAccountToken: false, volumes: [{ name: 'w', emptyDir: {} }], containers: [main] };
    if (env.resource) main.resources = { limits: { [env.resource]: '1' } };
    else {
      await s.apply({ apiVersion: env.dra!.gv, kind: 'ResourceClaimTemplate', metadata: { name: 'one-accelerator' }, spec: { spec: { devices: { requests: [deviceRequest(env.dra!.version, 'acc', env.dra!.deviceClass)] } } } });
      spec.resourceClaims = [{ name: 'acc', resourceClaimTemplateName: 'one-accelerator' }];
      main.resources = { claims: [{ name: 'acc' }] };
    }
    const timeline: string[] = [];
    const record = (line: string) => {
      timeline.push(`${new Date().toISOString()} ${line}`);
      s.evidence('timeline.txt', timeline.join('\n'));
    };
    // The pipeline's delays, where they can be read: Prometheus's scrape interval, the adapter's relist.
    const relist = await adapterRelist(s, env.apis);
    const scrape = conf?.intervalMs ?? 60_000;
    const wait = Math.max(timeout, 3 * scrape + 2 * (relist ?? 60_000) + 60_000);
    record(`waits: ${Math.round(wait / 1000)}s each (scrape interval ${Math.round(scrape / 1000)}s${conf ? '' : ' assumed'}, adapter relist ${relist === undefined ? '60s assumed' : `${Math.round(relist / 1000)}s`}, --set autoscaling.timeout ${Math.round(timeout / 1000)}s)`);

    // The workload and its HPA live for the whole check (the three cases watch the same objects).
    if (max >= 2) {
      await s.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'autoscaled', labels }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels, annotations }, spec: restrictedPod(spec as never) } } } as KObject);
      await s.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'autoscaled', labels }, spec: { selector: labels, ports: [{ name: 'http', port: PORT, targetPort: PORT }] } });
      await s.apply({
        apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'autoscaled' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'autoscaled' }, minReplicas: 1, maxReplicas: max,
          metrics: [{ type: 'Pods', pods: { metric: { name: LOAD }, target: { type: 'AverageValue', averageValue: String(TARGET) } } }],
          // No stabilisation: the check measures the metric pipeline, not the default 5-minute hold.
          behavior: { scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] }, scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
        },
      });
    }
    const podsNow = async () => (await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', labelSelector: 'app.kubernetes.io/name=kaic-autoscaled' })).filter((p) => !p.metadata?.deletionTimestamp);
    await s.case('CustomMetricServed', async (c) => {
      if (max < 2) return c.notRun('control-failed', `${node} has ${free} free accelerator(s); scaling out needs at least 2`, 'run when the node has free accelerators');
      // A Prometheus that does not discover pods by annotation will never see kaic's pods: say so now.
      if (conf && !conf.annotations && !user) return c.notRun('no-verdict', `the HPA cannot read ${LOAD}: kaic's pods are registered by prometheus.io annotations, which this Prometheus does not discover`, 'pass a scrape manifest with --fixture scrape=FILE');
      // The control: the workload runs and exports the metric, or nothing below is about autoscaling.
      const first = await s.poll('the first pod to run', async () => (await podsNow()).find((p) => p.status?.phase === 'Running'), { intervalMs: 2_000, timeoutMs: 180_000, describe: () => 'no pod Running' });
      if (!first.ok) {
        const p = (await podsNow())[0];
        const waiting = p?.status?.containerStatuses?.[0]?.state?.waiting;
        if (waiting && /ImagePull|ErrImage/.test(waiting.reason ?? '')) return c.notRun('image-unavailable', `${s.images.probe}: ${waiting.reason} ${waiting.message ?? ''}`, 'pass --image probe=… or --image-registry');
        const sched = p?.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
        return c.notRun('control-failed', `the workload's first pod did not run: ${sched?.message ?? waiting?.reason ?? first.message}`);
      }
      const r = await s.poll(`the HPA to read ${LOAD} through custom.metrics.k8s.io`, async () => {
        const h = await hpa(s);
        const m = h?.currentMetrics?.find((x) => x.pods?.metric?.name === LOAD);
        const active = h?.conditions?.find((x) => x.type === 'ScalingActive');
        record(`replicas ${h?.currentReplicas ?? '?'} → ${h?.desiredReplicas ?? '?'}; ${LOAD} ${m?.pods?.current?.averageValue ?? 'not read'}; ScalingActive ${active?.status ?? '?'} ${active?.reason ?? ''}`);
        return m?.pods?.current?.averageValue !== undefined && active?.status === 'True' ? m.pods.current.averageValue : undefined;
      }, { intervalMs: 5_000, timeoutMs: wait, describe: () => timeline[timeline.length - 1] ?? '' });
      if (!r.ok) {
        const h = await hpa(s);
        const why = h?.conditions?.find((x) => x.type === 'ScalingActive');
        // The adapter went away while the HPA asked (or its Available condition was stale at discovery):
        // nothing served the metric, so this says nothing about autoscaling.
        const now = (await Promise.all(env.apis.filter((a) => a.name.includes('.custom.')).map((a) => s.get<ApiServiceObj>({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', name: a.name })))).filter((x): x is ApiServiceObj => !!x).map((x) => apiState(x, new Map()));
        if (now.length && !now.some((a) => a.available)) return c.notRun('missing-component', `custom.metrics.k8s.io is registered but not available: ${now.map((a) => `${a.name} → ${a.service}: ${a.message}`).join('; ')}`, 'start the adapter that serves it');
        if (/503|ServiceUnavailable|unable to handle the request|the server is currently unable/i.test(why?.message ?? '')) return c.notRun('api-error', `the custom metrics API failed while the HPA asked: ${why!.message}`);
        const guessed = !user && conf && (!conf.annotations || conf.guess) ? ` (kaic's pods were registered by prometheus.io annotations, which this Prometheus ${conf.annotations ? `may not honour: ${conf.guess}` : 'does not discover'})` : '';
        if (guessed) return c.notRun('no-verdict', `the HPA never read ${LOAD}${guessed}: ${why?.message ?? r.message}`, 'pass a scrape manifest with --fixture scrape=FILE');
        // Which stage lost it: Prometheus never had the series (monitoring), or the adapter's rules do not serve it by that name.
        const inProm = prom ? await prom.query(`${LOAD}{kaic_run="${s.namespace}"}`) : undefined;
        if (inProm && inProm.ok && !inProm.result.length) return c.notRun('no-verdict', `Prometheus never had ${LOAD} for kaic's pods, so the adapter had nothing to serve (see ai_service_metrics): ${why?.message ?? r.message}`, 'pass a scrape manifest with --fixture scrape=FILE');
        if (inProm && inProm.ok && inProm.result.length && /unable to fetch metrics|no metrics returned|not found/i.test(why?.message ?? '')) return c.notRun('no-verdict', `Prometheus has ${LOAD}, but the adapter does not serve it under that name (its rules are the platform's choice): ${why?.message}`, 'configure the adapter to expose pod gauges, or run where it does');
        return c.fail(`the HPA reads the pods' ${LOAD} through custom.metrics.k8s.io within ${Math.round(timeout / 1000)}s`, `${why ? `${why.reason}: ${why.message}` : r.message}`);
      }
      c.pass(`the HPA reads ${LOAD} = ${r.value} through ${env.apis.filter((a) => a.available).map((a) => `${a.name} (${a.service})`).join(', ')}`);
    });

    /** Sets the gauge on every running pod; the first pod that did not take it, or undefined. */
    const setLoad = async (v: number): Promise<string | undefined> => {
      for (const p of await podsNow()) {
        if (p.status?.phase !== 'Running' || p.metadata?.deletionTimestamp) continue;
        // A pod that is not serving yet starts at 0: asking it now would be refused by the proxy.
        if (v === 0 && !isServingPod(p)) continue;
        const a = await s.http({ kind: 'pod', name: p.metadata!.name!, port: PORT }, `/cgi-bin/load?${v}`, { timeoutMs: 10_000 });
        if (a.status !== 200 || !a.body.includes(`load ${v}`)) return `${p.metadata!.name}: HTTP ${a.status} ${a.body.slice(0, 120)}`;
      }
      return undefined;
    };
    let out = false;
    await s.case('ScalesOutOnAccelerators', async (c) => {
      if (max < 2) return c.notRun('control-failed', `${node} has ${free} free accelerator(s); scaling out needs at least 2`, 'run when the node has free accelerators');
      if (!(await hpa(s))?.currentMetrics?.length) return c.notRun('control-failed', 'the HPA never read the metric');
      const refused = await setLoad(HIGH);
      if (refused) return c.notRun(/HTTP 40[13]/.test(refused) ? 'missing-rbac' : 'control-failed', `kaic could not set ${LOAD} through the API server's pod proxy: ${refused}`, /HTTP 40[13]/.test(refused) ? 'grant the ClusterRole printed by `kaic rbac` (pods/proxy get)' : undefined);
      record(`${LOAD} set to ${HIGH} on every pod (target ${TARGET} per pod)`);
      const r = await s.poll(`${max} replicas running`, async () => {
        const pods = await podsNow();
        const running = pods.filter((p) => p.status?.phase === 'Running');
        const h = await hpa(s);
        record(`replicas ${h?.currentReplicas ?? '?'} → ${h?.desiredReplicas ?? '?'}; ${LOAD} ${h?.currentMetrics?.[0]?.pods?.current?.averageValue ?? '?'}; running ${running.length}`);
        return running.length >= max ? running : undefined;
      }, { intervalMs: 5_000, timeoutMs: wait, describe: () => timeline[timeline.length - 1] ?? '' });
      if (!r.ok) {
        // The HPA asked for them, and the pods wait for accelerators another tenant took: capacity, not autoscaling.
        const h = await hpa(s);
        const pending = (await podsNow()).filter((p) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False'));
        if ((h?.desiredReplicas ?? 0) >= max && pending.length) return c.notRun('control-failed', `the HPA asked for ${h!.desiredReplicas} replicas, but ${pending.length} pod(s) could not be placed: ${pending[0]!.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message ?? ''}`, 'run when the node\'s accelerators are free');
        return c.fail(`with ${LOAD} at ${HIGH} against a target of ${TARGET}, the Deployment scales out to ${max} running pods`, r.message);
      }
      const off = r.value.filter((p) => !env.nodes.includes(p.spec?.nodeName ?? ''));
      if (off.length) return c.fail('the new pods run on accelerator nodes', off.map((p) => `${p.metadata!.name} on ${p.spec?.nodeName}`).join(', '));
      out = true;
      c.pass(`scaled out from 1 to ${r.value.length} running pods, each holding an accelerator on ${[...new Set(r.value.map((p) => p.spec!.nodeName!))].join(', ')}`);
    });

    await s.case('ScalesIn', async (c) => {
      if (!out) return c.notRun('control-failed', 'the Deployment did not scale out, so there is nothing to scale in');
      const refused = await setLoad(0);
      if (refused) return c.notRun('control-failed', `kaic could not set ${LOAD} back to 0: ${refused}`);
      record(`${LOAD} set to 0 on every pod`);
      const r = await s.poll('the Deployment back at 1 replica', async () => {
        const h = await hpa(s);
        const pods = await podsNow();
        record(`replicas ${h?.currentReplicas ?? '?'} → ${h?.desiredReplicas ?? '?'}; ${LOAD} ${h?.currentMetrics?.[0]?.pods?.current?.averageValue ?? '?'}; pods ${pods.length}`);
        // A pod started after the load was set reports 0 anyway; one that was running reports what it was told.
        if ((h?.desiredReplicas ?? 99) > 1) await setLoad(0);
        return h?.currentReplicas === 1 && pods.length === 1 ? h : undefined;
      }, { intervalMs: 5_000, timeoutMs: wait, describe: () => timeline[timeline.length - 1] ?? '' });
      if (!r.ok) return c.fail(`with ${LOAD} at 0, the Deployment scales back in to 1 replica`, r.message);
      c.pass(`scaled back in to 1 replica once ${LOAD} fell to 0 (timeline in the evidence)`);
    });
  },
});

/** The adapter's --metrics-relist-interval, read from the pod behind the custom metrics APIService, where kaic can see it. */
async function adapterRelist(s: CheckScope, apis: readonly MetricsApi[]): Promise<number | undefined> {
  const api = apis.find((a) => a.available && a.name.includes('.custom.') && a.service.includes('/'));
  if (!api) return undefined;
  const [namespace, name] = api.service.split('/') as [string, string];
  const slices = await s.list<{ endpoints?: { targetRef?: { kind?: string; name?: string } }[] }>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace, labelSelector: `kubernetes.io/service-name=${name}` });
  const podName = slices.flatMap((x) => x.endpoints ?? []).find((e) => e.targetRef?.kind === 'Pod')?.targetRef?.name;
  const pod = podName ? await s.get<V1Pod>({ apiVersion: 'v1', kind: 'Pod', name: podName, namespace }) : undefined;
  const args = pod?.spec?.containers?.flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])]) ?? [];
  const flag = args.find((a) => a.startsWith('--metrics-relist-interval='));
  return flag ? promDuration(flag.split('=')[1]!) : undefined;
}

type ApiServiceObj = { metadata: { name: string }; spec?: { service?: { name: string; namespace: string } }; status?: { conditions?: { type: string; status: string; message?: string }[] } };

/**
 * An APIService's state. Its Available condition lags (the aggregator re-probes every half minute),
 * so a group version that discovery could not read this run counts as unavailable whatever it says.
 */
function apiState(r: ApiServiceObj, failed: ReadonlyMap<string, string>): MetricsApi {
  const c = r.status?.conditions?.find((x) => x.type === 'Available');
  const gv = r.metadata.name.replace(/^([^.]+)\.(.*)$/, '$2/$1');
  const broken = failed.get(gv);
  const service = r.spec?.service ? `${r.spec.service.namespace}/${r.spec.service.name}` : 'local';
  return { name: r.metadata.name, available: c?.status === 'True' && !broken, message: broken ? `discovery of ${gv} failed: ${broken}` : c?.message ?? 'no Available condition', service };
}

const hpa = (s: CheckScope) => s.get<{ status?: HpaStatus }>({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'autoscaled' }).then((h) => h?.status);
