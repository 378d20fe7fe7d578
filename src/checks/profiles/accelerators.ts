import type { ClusterView } from '../../cluster/view.js';

/** How one accelerator vendor shows up in a cluster; vendor differences live here, not in checks. */
export interface AcceleratorProfile {
  readonly name: string;
  /** Device-plugin extended resource, e.g. nvidia.com/gpu. */
  readonly extendedResource?: string;
  /** DRA DeviceClass, e.g. gpu.nvidia.com. */
  readonly deviceClass?: string;
  /** Node label marking accelerator nodes (value ignored). */
  readonly nodeLabel?: string;
  /** Taint keys accelerator nodes commonly carry; probe pods tolerate them. */
  readonly taintKeys: readonly string[];
  /** Device files a granted container sees (shell globs). */
  readonly deviceGlobs: readonly string[];
  /** The vendor's own tool, run in the probe where present; prints one line per visible device. */
  readonly tool?: string;
  /** Slice attribute holding a device's identity (to compare devices across pods). */
  readonly identityAttribute: string;
}

export const PROFILES: Readonly<Record<string, AcceleratorProfile>> = {
  nvidia: { name: 'nvidia', extendedResource: 'nvidia.com/gpu', deviceClass: 'gpu.nvidia.com', nodeLabel: 'nvidia.com/gpu.present', taintKeys: ['nvidia.com/gpu'], deviceGlobs: ['/dev/nvidia[0-9]*'], tool: 'nvidia-smi -L', identityAttribute: 'uuid' },
  amd: { name: 'amd', extendedResource: 'amd.com/gpu', deviceClass: 'gpu.amd.com', nodeLabel: 'amd.com/gpu.present', taintKeys: ['amd.com/gpu'], deviceGlobs: ['/dev/dri/renderD*', '/dev/kfd'], tool: 'amd-smi list', identityAttribute: 'uuid' },
  intel: { name: 'intel', extendedResource: 'gpu.intel.com/i915', deviceClass: 'gpu.intel.com', nodeLabel: 'intel.feature.node.kubernetes.io/gpu', taintKeys: ['gpu.intel.com/i915'], deviceGlobs: ['/dev/dri/renderD*'], tool: 'xpu-smi discovery', identityAttribute: 'uuid' },
  neuron: { name: 'neuron', extendedResource: 'aws.amazon.com/neuron', deviceClass: 'neuron.aws.com', nodeLabel: 'aws.amazon.com/neuron.present', taintKeys: ['aws.amazon.com/neuron'], deviceGlobs: ['/dev/neuron*'], tool: 'neuron-ls', identityAttribute: 'uuid' },
};

export class ProfileError extends Error {}

/** `nvidia` | `amd` | `intel` | `neuron` | `dra:<deviceClass>` */
export function profileFromFlag(flag: string): AcceleratorProfile {
  if (flag.startsWith('dra:')) {
    const cls = flag.slice(4);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(cls)) throw new ProfileError(`--accelerator ${flag}: "${cls}" is not a DeviceClass name`);
    return { name: flag, deviceClass: cls, taintKeys: [], deviceGlobs: ['/dev/*'], identityAttribute: 'uuid' };
  }
  const p = PROFILES[flag];
  if (!p) throw new ProfileError(`--accelerator ${flag}: expected one of ${[...Object.keys(PROFILES), 'dra:<deviceClass>'].join(', ')}`);
  return p;
}

/** The profile whose extended resource or label the cluster's nodes carry; nvidia when none does. */
export function detectProfile(view: ClusterView): { profile: AcceleratorProfile; detected: boolean } {
  for (const p of Object.values(PROFILES)) {
    if (view.nodes.some((n) => (p.extendedResource && n.status?.allocatable?.[p.extendedResource]) || (p.nodeLabel && n.metadata?.labels?.[p.nodeLabel]))) return { profile: p, detected: true };
  }
  return { profile: PROFILES.nvidia!, detected: false };
}

export const tolerationsFor = (p: AcceleratorProfile) => p.taintKeys.map((key) => ({ key, operator: 'Exists' }));

/** Nodes offering this accelerator through its extended resource. */
export function acceleratorNodes(view: ClusterView, p: AcceleratorProfile) {
  return view.nodes.filter((n) => (p.extendedResource && Number(n.status?.allocatable?.[p.extendedResource] ?? 0) > 0) || (p.nodeLabel && n.metadata?.labels?.[p.nodeLabel]));
}

/**
 * Tolerations for the taints the given nodes carry (NoSchedule/NoExecute), plus the profile's: probe
 * pods must land on accelerator nodes whatever taint the platform chose to keep others off them.
 */
export function tolerationsForNodes(view: ClusterView, nodeNames: Iterable<string>, p: AcceleratorProfile) {
  const names = new Set(nodeNames);
  const keys = new Set(p.taintKeys);
  for (const n of view.nodes) if (names.has(n.metadata?.name ?? '')) for (const t of n.spec?.taints ?? []) if (t.effect !== 'PreferNoSchedule') keys.add(t.key);
  return [...keys].sort().map((key) => ({ key, operator: 'Exists' }));
}
