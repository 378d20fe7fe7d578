import type { V1Node } from '@kubernetes/client-node';
import type { KObject } from '../api.js';
import type { AcceleratorProfile } from './accelerators.js';

/**
 * Cluster autoscalers kaic recognises, as data: how each is found, how its node pools are named as a
 * node label, and the delays it is configured with where they can be read (they set how long kaic
 * waits for a node to go). The proof itself is the same for every autoscaler: a pod that cannot fit
 * in the pool must make a new node appear there, and the node must go once the pod is gone.
 */

/** A node pool as the label its nodes carry, e.g. karpenter.sh/nodepool=gpu. */
export interface PoolLabel {
  readonly key: string;
  readonly value: string;
}
export const poolText = (p: PoolLabel) => `${p.key}=${p.value}`;
export const parsePool = (raw: string): PoolLabel => {
  const i = raw.indexOf('=');
  return { key: raw.slice(0, i), value: raw.slice(i + 1) };
};
/** A label `key=value`: a qualified name, and a value of at most 63 label characters. */
export const POOL_PATTERN = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?=[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export const KARPENTER_POOL_LABEL = 'karpenter.sh/nodepool';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/** What kaic found of one autoscaler. */
export interface FoundAutoscaler {
  readonly name: 'karpenter' | 'cluster-autoscaler';
  readonly title: string;
  /** Where it was seen: NodePools, a Deployment. */
  readonly seen: string;
}

/** One pool kaic can prove, with what it knows of how the autoscaler treats it. */
export interface PoolChoice {
  readonly pool: PoolLabel;
  /** Which autoscaler's own records can attribute a new node to kaic's trigger. */
  readonly kind: 'karpenter' | 'cluster-autoscaler' | 'unknown';
  readonly autoscaler: string;
  /** Karpenter's API version here, and the NodePool behind the pool. */
  readonly karpenter?: { readonly apiVersion: string; readonly nodePool: string };
  /** Configuration that keeps the autoscaler from removing an empty node (ScaleDown cannot be judged). */
  readonly keepsNodes?: string;
  /** Taints the pool's new nodes will carry (Karpenter's template): the trigger tolerates them. */
  readonly taints: readonly Taint[];
  /** How long an empty node may stay before the autoscaler removes it, where configured; Infinity for never. */
  readonly emptyNodeDelayMs?: number;
  /** Where that delay was read. */
  readonly delaySource?: string;
}

/** Go's duration syntax (`5m`, `1h30m`, `10m0s`, `300ms`), as Karpenter and the Cluster Autoscaler write them. */
export function parseGoDuration(s: string | undefined): number | undefined {
  if (!s) return undefined;
  if (s === '0') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s.trim();
  if (!rest) return undefined;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

interface NodePoolSpec {
  template?: { metadata?: { labels?: Record<string, string> }; spec?: { taints?: Taint[]; startupTaints?: Taint[]; requirements?: { key: string; operator?: string; values?: string[] }[] } };
  disruption?: { consolidateAfter?: string; consolidationPolicy?: string };
  limits?: Record<string, string>;
}
const poolSpec = (p: KObject) => (p.spec ?? {}) as NodePoolSpec;

/** Requirement keys that name accelerators in the providers' well-known labels (AWS, GKE, Azure, kwok). */
const ACCELERATOR_REQUIREMENT = /gpu|accelerator|neuron|tpu/i;
/** A requirement that keeps accelerators out (`instance-gpu-count DoesNotExist`, `NotIn`, `Lt`, or `In` only 0). */
const excludes = (r: { operator?: string; values?: string[] }) => ['DoesNotExist', 'NotIn', 'Lt'].includes(r.operator ?? '') || (r.operator === 'In' && (r.values ?? []).length > 0 && (r.values ?? []).every((v) => v === '0'));

/** The Karpenter API versions kaic reads, newest first (v1beta1 before Karpenter v1.0). */
export const KARPENTER_VERSIONS = ['v1', 'v1beta1'] as const;

/**
 * Taints that say a node is coming, going or unhealthy (the node lifecycle's, the autoscalers'):
 * never tolerated by kaic's pods, and a pool node carrying one is not settled.
 */
export const isLifecycleTaint = (key: string) => key.startsWith('node.kubernetes.io/') || key.startsWith('node.cloudprovider.kubernetes.io/') || ['ToBeDeletedByClusterAutoscaler', 'DeletionCandidateOfClusterAutoscaler', 'karpenter.sh/disrupted', 'karpenter.sh/disruption', 'karpenter.sh/unregistered'].includes(key);

/** Why a node is on its way out (being deleted, or marked by an autoscaler), or undefined. */
export function leaving(n: V1Node): string | undefined {
  if (n.metadata?.deletionTimestamp) return 'being deleted';
  const t = (n.spec?.taints ?? []).find((x) => ['ToBeDeletedByClusterAutoscaler', 'karpenter.sh/disrupted', 'karpenter.sh/disruption'].includes(x.key));
  return t ? `tainted ${t.key}` : undefined;
}

/** The NodePools whose template labels the pool's nodes with key=value (a pool named by another label). */
export const nodePoolsLabelling = (pools: readonly KObject[], pool: PoolLabel) => pools.filter((p) => poolSpec(p).template?.metadata?.labels?.[pool.key] === pool.value);

/**
 * What in a NodePool keeps Karpenter from removing an empty node: a disruption budget of zero nodes
 * for empty nodes, or `karpenter.sh/do-not-disrupt` on every node it launches.
 */
export function karpenterKeepsNodes(p: KObject): string | undefined {
  const spec = p.spec as { template?: { metadata?: { annotations?: Record<string, string> } }; disruption?: { budgets?: { nodes?: string; schedule?: string; reasons?: string[] }[] } } | undefined;
  if (spec?.template?.metadata?.annotations?.['karpenter.sh/do-not-disrupt'] === 'true') return `NodePool ${p.metadata?.name} marks its nodes karpenter.sh/do-not-disrupt`;
  const zero = (spec?.disruption?.budgets ?? []).find((b) => !b.schedule && (b.nodes === '0' || b.nodes === '0%') && (!b.reasons || b.reasons.includes('Empty')));
  return zero ? `NodePool ${p.metadata?.name} has a disruption budget of ${zero.nodes} nodes${zero.reasons ? ` for ${zero.reasons.join(', ')}` : ''}` : undefined;
}

/**
 * Whether a Karpenter NodePool can launch nodes with the accelerator: its template taints or labels
 * it for the accelerator, a requirement names accelerators, or a node it launched has some.
 */
export function nodePoolCarries(p: KObject, accel: AcceleratorProfile, nodes: readonly V1Node[]): string | undefined {
  const resource = accel.extendedResource;
  const spec = poolSpec(p).template?.spec;
  const taint = (spec?.taints ?? []).find((t) => t.key === resource || accel.taintKeys.includes(t.key));
  if (taint) return `its template taints nodes ${taint.key}`;
  const label = accel.nodeLabel && poolSpec(p).template?.metadata?.labels?.[accel.nodeLabel];
  if (label) return `its template labels nodes ${accel.nodeLabel}`;
  const req = (spec?.requirements ?? []).find((r) => ACCELERATOR_REQUIREMENT.test(r.key) && !excludes(r));
  if (req) return `it requires ${req.key}`;
  const name = p.metadata?.name;
  const node = nodes.find((n) => n.metadata?.labels?.[KARPENTER_POOL_LABEL] === name && resource && Number(n.status?.allocatable?.[resource] ?? 0) > 0);
  if (node) return `its node ${node.metadata?.name} has ${resource}`;
  return undefined;
}

/** How Karpenter treats empty nodes of a pool: `consolidateAfter` (Never: it keeps them). */
export function karpenterEmptyDelay(p: KObject): { ms: number; source: string } | undefined {
  const after = poolSpec(p).disruption?.consolidateAfter;
  if (after === undefined) return undefined;
  if (after === 'Never') return { ms: Infinity, source: `NodePool ${p.metadata?.name}: consolidateAfter Never` };
  const ms = parseGoDuration(after);
  return ms === undefined ? undefined : { ms, source: `NodePool ${p.metadata?.name}: consolidateAfter ${after}` };
}

/**
 * The NodeClaim a node was launched for. Karpenter ties them by provider ID, which a claim has from
 * its launch, and writes an owner reference to the claim on the node when it registers it. The
 * claim's status.nodeName comes last, after Karpenter has untainted the node, so a pod can be bound
 * there before it says so; the name is a fallback only for a claim that has no other provider ID
 * (a node name may be reused, a provider ID is not).
 */
export function nodeClaimOf(claims: readonly KObject[], node: V1Node): KObject | undefined {
  const providerID = node.spec?.providerID;
  const owners = new Set((node.metadata?.ownerReferences ?? []).filter((r) => r.kind === 'NodeClaim').map((r) => r.uid));
  const status = (c: KObject) => (c.status ?? {}) as { nodeName?: string; providerID?: string };
  return (
    claims.find((c) => (!!providerID && status(c).providerID === providerID) || (!!c.metadata?.uid && owners.has(c.metadata.uid))) ??
    claims.find((c) => !!status(c).nodeName && status(c).nodeName === node.metadata?.name && (!status(c).providerID || !providerID || status(c).providerID === providerID))
  );
}

export const karpenterTaints = (p: KObject): Taint[] => poolSpec(p).template?.spec?.taints ?? [];

interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
}
type Deployment = KObject & { spec?: { template?: { spec?: { containers?: Container[] } } } };

const isAutoscalerContainer = (c: Container) => /(^|\/)cluster-autoscaler[:@]|(^|\/)cluster-autoscaler$/.test(c.image ?? '') || (c.command ?? []).some((x) => /(^|\/)cluster-autoscaler$/.test(x));

/** The Cluster Autoscaler's Deployments (by the image or command of a container). */
export function clusterAutoscalers(deployments: readonly KObject[]): { name: string; args: string[] }[] {
  const out: { name: string; args: string[] }[] = [];
  for (const d of deployments as Deployment[]) {
    const c = (d.spec?.template?.spec?.containers ?? []).find(isAutoscalerContainer);
    if (c) out.push({ name: `${d.metadata?.namespace}/${d.metadata?.name}`, args: [...(c.command ?? []), ...(c.args ?? [])] });
  }
  return out;
}

/**
 * The Cluster Autoscaler removes an empty node once it was unneeded for `--scale-down-unneeded-time`
 * and no sooner than `--scale-down-delay-after-add` after the last scale-up (10 minutes each by
 * default); `--scale-down-enabled=false` keeps every node.
 */
export function clusterAutoscalerEmptyDelay(args: readonly string[]): { ms: number; source: string } {
  const flag = (name: string) => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === `--${name}` && i + 1 < args.length && !args[i + 1]!.startsWith('--')) return args[i + 1];
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    }
    return undefined;
  };
  if (flag('scale-down-enabled') === 'false') return { ms: Infinity, source: '--scale-down-enabled=false' };
  const unneeded = parseGoDuration(flag('scale-down-unneeded-time')) ?? 600_000;
  const afterAdd = parseGoDuration(flag('scale-down-delay-after-add')) ?? 600_000;
  return { ms: Math.max(unneeded, afterAdd), source: `--scale-down-unneeded-time ${flag('scale-down-unneeded-time') ?? '10m (default)'}, --scale-down-delay-after-add ${flag('scale-down-delay-after-add') ?? '10m (default)'}` };
}
