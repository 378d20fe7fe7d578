import type { CheckScope } from '../api.js';
import { METRICS_PATH } from './inference-probe.js';

/** A Prometheus kaic found as a Service, unless --prometheus names one. */
export interface PromService { readonly namespace: string; readonly name: string; readonly port: number }

type Svc = { metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec?: { ports?: { name?: string; port: number }[] } };

/** The likeliest Prometheus among the cluster's Services: labelled as one, on 9090; never an exporter, adapter or operator. */
export function findPrometheus(services: readonly Svc[]): { prom?: Svc; port?: { name?: string; port: number } } {
  const skip = /operator|alertmanager|exporter|pushgateway|adapter|blackbox|kube-state|thanos|grafana|coredns|kube-(etcd|proxy|scheduler|controller)/;
  const rank = (x: Svc) => Number(x.metadata.labels?.['app.kubernetes.io/name'] === 'prometheus') * 2 + Number(!!x.spec?.ports?.some((p) => p.port === 9090));
  const prom = services.filter((x) => {
    const names = [x.metadata.name, ...Object.values(x.metadata.labels ?? {})];
    return names.some((v) => /prometheus/.test(v)) && !names.some((v) => skip.test(v)) && x.spec?.ports?.some((p) => p.port === 9090 || /^(web|http)/.test(p.name ?? ''));
  }).sort((a, b) => rank(b) - rank(a))[0];
  const port = prom?.spec?.ports?.find((p) => p.port === 9090) ?? prom?.spec?.ports?.find((p) => /^(web|http)/.test(p.name ?? ''));
  return { ...(prom ? { prom } : {}), ...(port ? { port } : {}) };
}

/** A `duration` as Prometheus writes one (`15s`, `1m`, `1m30s`), in ms. */
export function promDuration(d: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(d.trim());
  if (!m || !d.trim()) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000 + Number(m[4] ?? 0);
}

/** What the running configuration says of pod discovery by annotation, and the scrape interval. */
export function readPromConfig(yaml: string): { annotations: boolean; intervalMs: number; guess?: string } {
  const global = /^global:\s*\n(?:[ \t]+.*\n)*?[ \t]+scrape_interval:\s*(\S+)/m.exec(yaml);
  const intervalMs = (global ? promDuration(global[1]!.replace(/['"]/g, '')) : undefined) ?? 60_000;
  // kubernetes_sd with role pod, keeping pods by the prometheus.io/scrape annotation (the common charts' job).
  const annotations = /role:\s*pod\b/.test(yaml) && /__meta_kubernetes_pod_annotation_prometheus_io_scrape/.test(yaml);
  // Signs the job may not take kaic's pod as annotated: no path annotation, or a namespace list.
  const guess = !annotations ? undefined : !/__meta_kubernetes_pod_annotation_prometheus_io_path/.test(yaml) ? 'its pod job does not read the prometheus.io/path annotation' : /kubernetes_sd_configs:[\s\S]*?namespaces:\s*\n\s*(own_namespace|names)/.test(yaml) ? 'its pod discovery is limited to some namespaces' : undefined;
  return { annotations, intervalMs, ...(guess ? { guess } : {}) };
}

export interface PromApi {
  get(path: string): Promise<{ status: number; body: string; truncated?: boolean }>;
  query(q: string): Promise<{ ok: true; result: { metric: Record<string, string>; value: [number, string] }[] } | { ok: false; detail: string }>;
}

type Target = { kind: 'service' | 'pod' | 'node'; name: string; namespace?: string; port: number };

/**
 * Where the discovered Prometheus answers through the API server: its Service when its endpoints
 * are pods (the service proxy reaches only pods), else the node its endpoint is on (a host process
 * or a host-network pod without a target reference).
 */
export async function promTarget(s: CheckScope, svc: PromService): Promise<Target> {
  const slices = await s.list<{ ports?: { port?: number }[]; endpoints?: { nodeName?: string; targetRef?: { kind?: string } }[] }>({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', namespace: svc.namespace, labelSelector: `kubernetes.io/service-name=${svc.name}` });
  const eps = slices.flatMap((x) => (x.endpoints ?? []).map((e) => ({ e, port: x.ports?.[0]?.port })));
  const host = eps.find(({ e }) => e.targetRef?.kind !== 'Pod' && e.nodeName);
  if (host && !eps.some(({ e }) => e.targetRef?.kind === 'Pod')) return { kind: 'node', name: host.e.nodeName!, port: host.port ?? svc.port };
  return { kind: 'service', name: svc.name, namespace: svc.namespace, port: svc.port };
}

/** `--prometheus` when given, else the Prometheus discovery found, through the API server's proxy. */
export function promApi(s: CheckScope, target: Target | undefined): PromApi | undefined {
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
export async function targetState(prom: PromApi, run: string): Promise<{ api: boolean; text: string }> {
  const a = await prom.get('/api/v1/targets?state=active');
  if (a.status !== 200) return { api: true, text: `targets not readable (HTTP ${a.status})` };
  if ((a as { truncated?: boolean }).truncated || !a.body.trimStart().startsWith('{')) return { api: false, text: 'Prometheus has no series for the workload (its target list was too long or not JSON to read)' };
  const d = JSON.parse(a.body) as { data?: { activeTargets?: { labels?: Record<string, string>; health?: string; lastError?: string; scrapeUrl?: string }[] } };
  const mine = (d.data?.activeTargets ?? []).filter((t) => t.labels?.namespace === run || t.scrapeUrl?.includes(METRICS_PATH));
  if (!mine.length) return { api: false, text: 'Prometheus has no target for the workload' };
  return { api: false, text: mine.map((t) => `target ${t.scrapeUrl} is ${t.health}${t.lastError ? `: ${t.lastError}` : ''}`).join('; ') };
}
