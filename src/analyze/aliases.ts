/**
 * Components named in submissions, with the spellings vendors use. Matching is on notes, evidence
 * text and URLs, case-insensitive, on word boundaries. Maintained by hand: add a row, add a test.
 */
export interface Component {
  readonly id: string;
  readonly name: string;
  readonly category: 'scheduling' | 'accelerators' | 'observability' | 'autoscaling' | 'networking' | 'operators' | 'serving';
  readonly patterns: readonly RegExp[];
}

const w = (s: string) => new RegExp(`(?<![a-z0-9])(?:${s})(?![a-z0-9])`, 'i');

export const COMPONENTS: readonly Component[] = [
  { id: 'kueue', name: 'Kueue', category: 'scheduling', patterns: [w('kueue')] },
  { id: 'volcano', name: 'Volcano', category: 'scheduling', patterns: [w('volcano')] },
  { id: 'kai', name: 'KAI Scheduler', category: 'scheduling', patterns: [w('kai[- ]scheduler'), w('run:ai scheduler')] },
  { id: 'yunikorn', name: 'YuniKorn', category: 'scheduling', patterns: [w('yunikorn')] },
  { id: 'coscheduling', name: 'Coscheduling (scheduler-plugins)', category: 'scheduling', patterns: [w('coscheduling'), w('scheduler-plugins')] },
  { id: 'lws', name: 'LeaderWorkerSet', category: 'scheduling', patterns: [w('leaderworkerset'), w('leader[- ]worker[- ]set'), w('lws')] },
  { id: 'kuberay', name: 'KubeRay', category: 'operators', patterns: [w('kuberay'), w('ray operator'), w('rayjob|raycluster|rayservice')] },
  { id: 'kubeflow-trainer', name: 'Kubeflow Trainer', category: 'operators', patterns: [w('kubeflow trainer|kubeflow training|training[- ]operator|trainjob|pytorchjob|mpijob|tfjob')] },
  { id: 'kubeflow', name: 'Kubeflow', category: 'operators', patterns: [w('kubeflow')] },
  { id: 'kserve', name: 'KServe', category: 'serving', patterns: [w('kserve')] },
  { id: 'kaito', name: 'KAITO', category: 'serving', patterns: [w('kaito')] },
  { id: 'vllm', name: 'vLLM', category: 'serving', patterns: [w('vllm')] },
  { id: 'llm-d', name: 'llm-d', category: 'serving', patterns: [w('llm-d')] },
  { id: 'gaie', name: 'Gateway API Inference Extension', category: 'networking', patterns: [w('inference extension|inferencepool|gaie|inference gateway')] },
  { id: 'gpu-operator', name: 'NVIDIA GPU Operator', category: 'accelerators', patterns: [w('gpu[- ]operator')] },
  { id: 'nvidia-dra-driver', name: 'NVIDIA DRA driver', category: 'accelerators', patterns: [w('dra[- ]driver[- ]gpu|k8s-dra-driver|nvidia dra driver')] },
  { id: 'nvidia-device-plugin', name: 'NVIDIA device plugin', category: 'accelerators', patterns: [w('nvidia device plugin|k8s-device-plugin|nvidia-device-plugin')] },
  { id: 'amd-gpu-operator', name: 'AMD GPU Operator', category: 'accelerators', patterns: [w('amd gpu operator|amd-gpu-operator|rocm')] },
  { id: 'neuron', name: 'AWS Neuron', category: 'accelerators', patterns: [w('neuron|inferentia|trainium')] },
  { id: 'hami', name: 'HAMi', category: 'accelerators', patterns: [w('hami')] },
  { id: 'dcgm', name: 'NVIDIA DCGM exporter', category: 'observability', patterns: [w('dcgm(?:[- ]exporter)?')] },
  { id: 'prometheus', name: 'Prometheus', category: 'observability', patterns: [w('prometheus'), w('kube-prometheus')] },
  { id: 'managed-prometheus', name: 'Managed Prometheus', category: 'observability', patterns: [w('managed (?:service for )?prometheus|amazon managed prometheus|azure monitor managed|google cloud managed service for prometheus|gmp|amp')] },
  { id: 'opentelemetry', name: 'OpenTelemetry', category: 'observability', patterns: [w('opentelemetry|otel')] },
  { id: 'grafana', name: 'Grafana', category: 'observability', patterns: [w('grafana')] },
  { id: 'keda', name: 'KEDA', category: 'autoscaling', patterns: [w('keda')] },
  { id: 'prometheus-adapter', name: 'prometheus-adapter', category: 'autoscaling', patterns: [w('prometheus[- ]adapter'), w('custom\\.metrics\\.k8s\\.io')] },
  { id: 'cluster-autoscaler', name: 'Cluster Autoscaler', category: 'autoscaling', patterns: [w('cluster[- ]autoscaler')] },
  { id: 'karpenter', name: 'Karpenter', category: 'autoscaling', patterns: [w('karpenter')] },
  { id: 'istio', name: 'Istio', category: 'networking', patterns: [w('istio')] },
  { id: 'envoy-gateway', name: 'Envoy Gateway', category: 'networking', patterns: [w('envoy gateway|envoy-gateway|envoyproxy/gateway')] },
  { id: 'kgateway', name: 'kgateway', category: 'networking', patterns: [w('kgateway')] },
  { id: 'cilium', name: 'Cilium', category: 'networking', patterns: [w('cilium')] },
  { id: 'traefik', name: 'Traefik', category: 'networking', patterns: [w('traefik')] },
  { id: 'nginx-gateway-fabric', name: 'NGINX Gateway Fabric', category: 'networking', patterns: [w('nginx gateway fabric|nginx-gateway-fabric')] },
  { id: 'cloud-gateway', name: 'Cloud-managed gateway', category: 'networking', patterns: [w('aws load balancer controller|aws-load-balancer-controller|application gateway for containers|gke gateway|gke-l7|alb ingress|cloud load balanc')] },
];

/**
 * For each component, the words one of which any match must contain (the leading letters of each
 * alternative, which the patterns' word boundaries make a whole word of the text): one tokenising
 * pass and set lookups skip the regexes for most texts. An alternative that starts with no literal
 * gives no hint, and its component is always tried.
 */
const HINTS: readonly (readonly string[] | undefined)[] = COMPONENTS.map((c) => {
  const hints: string[] = [];
  for (const p of c.patterns) {
    const inner = /\(\?:(.*)\)\(\?!/.exec(p.source)?.[1];
    if (!inner) return undefined;
    for (const alt of inner.split('|')) {
      const lead = /^[a-z0-9]+/.exec(alt)?.[0];
      if (!lead || lead.length < 2) return undefined;
      hints.push(lead);
    }
  }
  return hints;
});

/** Ids of the components a text mentions, in table order. */
export function mentions(text: string): string[] {
  if (!text) return [];
  const words = new Set(text.toLowerCase().match(/[a-z0-9]+/g));
  const out: string[] = [];
  COMPONENTS.forEach((c, i) => {
    const h = HINTS[i];
    if (h && !h.some((x) => words.has(x))) return;
    if (c.patterns.some((p) => p.test(text))) out.push(c.id);
  });
  return out;
}
