import type { V1Pod } from '@kubernetes/client-node';
import { defineCheck, type CheckScope, type KObject } from './api.js';
import { LOAD, METRICS_PATH, PORT, workloadScript } from './support/inference-probe.js';
import { deviceRequest, findDraPath } from './support/dra.js';
import { isReadyNode, nodeName } from './support/nodes.js';
import { onNodes, restrictedPod } from './support/pods.js';
import { findPrometheus, promApi, promTarget, readPromConfig } from './support/prometheus.js';
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
  'autoscaling.timeout': duration({ description: 'how long each direction may take: metric pipeline delays (scrape, adapter relist, HPA sync) plus pod start', default: '4m', min: '30s', max: '20m' }),
};

export default defineCheck({
  id: 'pod_autoscaling',
  testName: 'TestPodAutoscaling',
  summary: 'finds the custom and external metrics APIs and who serves them; runs a Deployment whose pods each request an accelerator and export a gauge, with an autoscaling/v2 HPA on that custom metric; driving the metric above target must scale out onto accelerator nodes, and below it scale back in; the evidence holds the metric values and replica counts over time',
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
  timeoutMs: 12 * 60_000,

  async discover({ cluster, accelerator: profile, list }) {
    const regs = await list<{ metadata: { name: string }; spec?: { service?: { name: string; namespace: string } }; status?: { conditions?: { type: string; status: string; message?: string }[] } }>({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService' });
    const apis = regs.filter((r) => /\.(custom|external)\.metrics\.k8s\.io$/.test(r.metadata.name)).map((r) => {
      const c = r.status?.conditions?.find((x) => x.type === 'Available');
      return { name: r.metadata.name, available: c?.status === 'True', message: c?.message ?? 'no Available condition', service: r.spec?.service ? `${r.spec.service.namespace}/${r.spec.service.name}` : 'local' };
    });
    const found: Record<string, string> = { metricsApis: apis.map((a) => `${a.name} → ${a.service} (${a.available ? 'available' : `unavailable: ${a.message}`})`).join('; ') || 'none' };
    const custom = apis.filter((a) => a.name.includes('.custom.'));
    if (!custom.length) return { ready: false, reason: 'missing-component', detail: `no custom.metrics.k8s.io APIService${apis.length ? ` (only ${apis.map((a) => a.name).join(', ')})` : ''}: an HPA cannot scale on a workload's own metric`, remedy: 'install a custom metrics adapter (prometheus-adapter, KEDA, or the cloud\'s)', found };
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
    const main: Record<string, unknown> = { name: 'server', image: s.images.probe, command: workloadScript(s.namespace), ports: [{ name: 'http', containerPort: PORT }], volumeMounts: [{ name: 'w', mountPath: '/w' }] };
    const spec: Record<string, unknown> = { tolerations: env.tolerations, affinity: onNodes([node]), restartPolicy: 'Always', automountServiceAccountToken: false, volumes: [{ name: 'w', emptyDir: {} }], containers: [main] };
    if (env.resource) main.resources = { limits: { [env.resource]: '1' } };
    else {
      await s.apply({ apiVersion: env.dra!.gv, kind: 'ResourceClaimTemplate', metadata: { name: 'one-accelerator' }, spec: { spec: { devices: { requests: [deviceRequest(env.dra!.version, 'acc', env.dra!.deviceClass)] } } } });
      spec.resourceClaims = [{ name: 'acc', resourceClaimTemplateName: 'one-accelerator' }];
      main.resources = { claims: [{ name: 'acc' }] };
    }
    const timeline: string[] = [];
    const record = (line: string) => timeline.push(`${new Date().toISOString()} ${line}`);

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
    await s.case('CustomMetricServed', async (c) => {
      if (max < 2) return c.notRun('control-failed', `${node} has ${free} free accelerator(s); scaling out needs at least 2`, 'run when the node has free accelerators');
      const r = await s.poll(`the HPA to read ${LOAD} through custom.metrics.k8s.io`, async () => {
        const h = await hpa(s);
        const m = h?.currentMetrics?.find((x) => x.pods?.metric?.name === LOAD);
        const active = h?.conditions?.find((x) => x.type === 'ScalingActive');
        record(`replicas ${h?.currentReplicas ?? '?'} → ${h?.desiredReplicas ?? '?'}; ${LOAD} ${m?.pods?.current?.averageValue ?? 'not read'}; ScalingActive ${active?.status ?? '?'} ${active?.reason ?? ''}`);
        return m?.pods?.current?.averageValue !== undefined && active?.status === 'True' ? m.pods.current.averageValue : undefined;
      }, { intervalMs: 5_000, timeoutMs: timeout, describe: () => timeline[timeline.length - 1] ?? '' });
      if (!r.ok) {
        const h = await hpa(s);
        const why = h?.conditions?.find((x) => x.type === 'ScalingActive');
        const guessed = !user && conf && (!conf.annotations || conf.guess) ? ` (kaic's pods were registered by prometheus.io annotations, which this Prometheus ${conf.annotations ? `may not honour: ${conf.guess}` : 'does not discover'})` : '';
        if (guessed) return c.notRun('no-verdict', `the HPA never read ${LOAD}${guessed}: ${why?.message ?? r.message}`, 'pass a scrape manifest with --fixture scrape=FILE');
        return c.fail(`the HPA reads the pods' ${LOAD} through custom.metrics.k8s.io within ${Math.round(timeout / 1000)}s`, `${why ? `${why.reason}: ${why.message}` : r.message}`);
      }
      c.pass(`the HPA reads ${LOAD} = ${r.value} through ${env.apis.filter((a) => a.available).map((a) => `${a.name} (${a.service})`).join(', ')}`);
    });

    const podsNow = async () => (await s.list<V1Pod>({ apiVersion: 'v1', kind: 'Pod', labelSelector: 'app.kubernetes.io/name=kaic-autoscaled' })).filter((p) => !p.metadata?.deletionTimestamp);
    const setLoad = async (v: number) => {
      for (const p of await podsNow()) if (p.status?.phase === 'Running') await s.http({ kind: 'pod', name: p.metadata!.name!, port: PORT }, `/cgi-bin/load?${v}`, { timeoutMs: 10_000 });
    };
    let out = false;
    await s.case('ScalesOutOnAccelerators', async (c) => {
      if (!timeline.length || !(await hpa(s))?.currentMetrics?.length) return c.notRun('control-failed', 'the HPA never read the metric');
      await setLoad(HIGH);
      record(`${LOAD} set to ${HIGH} on every pod (target ${TARGET} per pod)`);
      const r = await s.poll(`${max} replicas running`, async () => {
        const pods = await podsNow();
        const running = pods.filter((p) => p.status?.phase === 'Running');
        const h = await hpa(s);
        record(`replicas ${h?.currentReplicas ?? '?'} → ${h?.desiredReplicas ?? '?'}; ${LOAD} ${h?.currentMetrics?.[0]?.pods?.current?.averageValue ?? '?'}; running ${running.length}`);
        return running.length >= max ? running : undefined;
      }, { intervalMs: 5_000, timeoutMs: timeout, describe: () => timeline[timeline.length - 1] ?? '' });
      if (!r.ok) return c.fail(`with ${LOAD} at ${HIGH} against a target of ${TARGET}, the Deployment scales out to ${max} running pods`, r.message);
      const off = r.value.filter((p) => !env.nodes.includes(p.spec?.nodeName ?? ''));
      if (off.length) return c.fail('the new pods run on accelerator nodes', off.map((p) => `${p.metadata!.name} on ${p.spec?.nodeName}`).join(', '));
      out = true;
      c.pass(`scaled out from 1 to ${r.value.length} running pods, each holding an accelerator on ${[...new Set(r.value.map((p) => p.spec!.nodeName!))].join(', ')}`);
    });

    await s.case('ScalesIn', async (c) => {
      if (!out) return c.notRun('control-failed', 'the Deployment did not scale out, so there is nothing to scale in');
      await setLoad(0);
      record(`${LOAD} set to 0 on every pod`);
      const r = await s.poll('the Deployment back at 1 replica', async () => {
        const h = await hpa(s);
        const pods = await podsNow();
        record(`replicas ${h?.currentReplicas ?? '?'} → ${h?.desiredReplicas ?? '?'}; ${LOAD} ${h?.currentMetrics?.[0]?.pods?.current?.averageValue ?? '?'}; pods ${pods.length}`);
        // A pod started after the load was set reports 0 anyway; one that was running reports what it was told.
        if ((h?.desiredReplicas ?? 99) > 1) await setLoad(0);
        return h?.currentReplicas === 1 && pods.length === 1 ? h : undefined;
      }, { intervalMs: 5_000, timeoutMs: timeout, describe: () => timeline[timeline.length - 1] ?? '' });
      if (!r.ok) return c.fail(`with ${LOAD} at 0, the Deployment scales back in to 1 replica`, r.message);
      c.pass(`scaled back in to 1 replica once ${LOAD} fell to 0 (timeline in the evidence)`);
    });
    s.evidence('timeline.txt', timeline.join('\n'));
  },
});

const hpa = (s: CheckScope) => s.get<{ status?: HpaStatus }>({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'autoscaled' }).then((h) => h?.status);
