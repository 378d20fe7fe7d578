/**
 * The requirement catalog: facts of the Kubernetes AI Conformance standard as data.
 * Levels per version come from the official checklists; titles are kaic's own short names.
 * The official checklist YAML stays the authority: kaic cross-checks it against this table.
 */
export type Level = 'MUST' | 'SHOULD';
export type CategoryId = 'accelerators' | 'networking' | 'schedulingOrchestration' | 'observability' | 'security' | 'operator';
export type KnownVersion = 'v1.33' | 'v1.34' | 'v1.35' | 'v1.36' | 'v1.37';

export const KNOWN_VERSIONS: readonly KnownVersion[] = ['v1.33', 'v1.34', 'v1.35', 'v1.36', 'v1.37'];

export const CATEGORY_TITLES: Record<string, string> = {
  accelerators: 'Accelerators',
  networking: 'Networking',
  schedulingOrchestration: 'Scheduling & Orchestration',
  observability: 'Observability',
  security: 'Security',
  operator: 'Operator Support',
};

export interface CatalogEntry {
  readonly id: string;
  readonly category: CategoryId;
  readonly title: string;
  /** Test names in go-test artifacts that prove this requirement; the first is the one kaic emits. */
  readonly tests: readonly string[];
  readonly levels: Partial<Record<KnownVersion, Level>>;
}

const S = 'SHOULD' as const;
const M = 'MUST' as const;
const all = (l: Level) => ({ 'v1.33': l, 'v1.34': l, 'v1.35': l, 'v1.36': l, 'v1.37': l });
const from135 = { 'v1.35': S, 'v1.36': S, 'v1.37': S };
const from136 = { 'v1.36': S, 'v1.37': S };

export const CATALOG: readonly CatalogEntry[] = [
  { id: 'dra_support', category: 'accelerators', title: 'DRA Support', tests: ['TestDRASupport'], levels: { 'v1.33': S, 'v1.34': M, 'v1.35': M } },
  { id: 'driver_runtime_management', category: 'accelerators', title: 'Driver & Runtime Management', tests: ['TestAcceleratorDriverRuntimeManagement', 'TestDriverRuntimeManagement'], levels: from135 },
  { id: 'gpu_sharing', category: 'accelerators', title: 'GPU Sharing', tests: ['TestGPUSharing'], levels: from135 },
  { id: 'virtualized_accelerator', category: 'accelerators', title: 'Virtualized Accelerators', tests: ['TestVirtualizedAccelerator'], levels: from135 },
  { id: 'ai_inference', category: 'networking', title: 'AI Inference Traffic Management', tests: ['TestAIInference'], levels: all(M) },
  { id: 'advanced_inference_ingress', category: 'networking', title: 'Advanced Inference Ingress', tests: ['TestAdvancedInferenceIngress'], levels: from136 },
  { id: 'high_performance_networking', category: 'networking', title: 'High-Performance Networking', tests: ['TestHighPerformanceNetworking'], levels: from136 },
  { id: 'disaggregated_inference', category: 'networking', title: 'Disaggregated Inference', tests: ['TestDisaggregatedInference'], levels: from136 },
  { id: 'gang_scheduling', category: 'schedulingOrchestration', title: 'Gang Scheduling', tests: ['TestGangScheduling'], levels: all(M) },
  { id: 'cluster_autoscaling', category: 'schedulingOrchestration', title: 'Cluster Autoscaling', tests: ['TestAcceleratorClusterAutoscaling'], levels: all(M) },
  { id: 'pod_autoscaling', category: 'schedulingOrchestration', title: 'Pod Autoscaling', tests: ['TestPodAutoscaling'], levels: all(M) },
  { id: 'accelerator_metrics', category: 'observability', title: 'Accelerator Metrics', tests: ['TestAcceleratorPerformanceMetrics', 'TestAcceleratorMetrics'], levels: all(M) },
  { id: 'ai_service_metrics', category: 'observability', title: 'AI Service Metrics', tests: ['TestAIServiceMetrics'], levels: all(M) },
  { id: 'secure_accelerator_access', category: 'security', title: 'Secure Accelerator Access', tests: ['TestSecureAcceleratorAccess'], levels: all(M) },
  { id: 'workload_sandboxing', category: 'security', title: 'Workload Sandboxing', tests: ['TestWorkloadSandboxing'], levels: { 'v1.37': S } },
  { id: 'robust_controller', category: 'operator', title: 'Robust Controller', tests: ['TestRobustCRDControllerOperation', 'TestRobustController'], levels: all(M) },
];

const BY_ID = new Map(CATALOG.map((e) => [e.id, e]));

export const catalogEntry = (id: string): CatalogEntry | undefined => BY_ID.get(id);

export const isKnownVersion = (v: string): v is KnownVersion => (KNOWN_VERSIONS as readonly string[]).includes(v);

/** `v1.37`, `1.37`, `V1.37.2` → `v1.37`; anything else → undefined. */
export function normalizeVersion(input: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?$/i.exec(input.trim());
  return m ? `v${Number(m[1])}.${Number(m[2])}` : undefined;
}

/** The catalog's view of one version, in catalog order. */
export function catalogFor(version: KnownVersion): { entry: CatalogEntry; level: Level }[] {
  return CATALOG.flatMap((entry) => {
    const level = entry.levels[version];
    return level ? [{ entry, level }] : [];
  });
}

/** Human title for an id, falling back to a title-cased id for ids kaic does not know yet. */
export function titleFor(id: string): string {
  return BY_ID.get(id)?.title ?? id.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  return (pa[0]! - pb[0]!) || (pa[1]! - pb[1]!);
}
