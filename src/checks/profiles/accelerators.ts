import type { V1Node } from '@kubernetes/client-node';
import { tolerationsFor } from '../support/nodes.js';

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
  /**
   * The device files one accelerator appears as inside a container, one per device (shell globs
   * over numbered nodes only: /dev/nvidiactl or AMD's shared /dev/kfd are not a device). Empty
   * when the profile cannot name them (a bare `dra:<class>`): in-container cases then cannot run.
   */
  readonly deviceFiles: readonly string[];
  /** Environment variables through which a runtime names the devices a container got (regex on NAME=VALUE, group 1 the identity). */
  readonly identityEnv?: string;
  /** Files holding a device's identity inside the container (globs). */
  readonly identityFiles?: readonly string[];
  /** The vendor's own tool, run in the probe where present; prints one line per visible device. */
  readonly tool?: string;
  /** Slice attribute holding a device's identity (to compare devices across pods and with what a container sees). */
  readonly identityAttribute: string;
  /** When the container sees the device's name (not an attribute) as its identity. */
  readonly identityIsDeviceName?: boolean;
  /** The variable a container can set to ask the runtime for devices it was not granted (the escape to test). */
  readonly visibleDevicesEnv?: string;
  /** Devices are simulated (the local cluster): said in provenance and reports. */
  readonly simulated?: boolean;
  /** How the vendor shows GPU sharing, where it has a convention kaic knows. */
  readonly sharing?: SharingConventions;
  /** The handler of the vendor's RuntimeClass (regex), used for GPU containers where one exists. */
  readonly runtimeHandler?: string;
  /** Where the platform advertises driver and CUDA versions, and how a container reads them. */
  readonly versions?: Readonly<Partial<Record<'driver' | 'cuda', VersionSource>>>;
}

export interface VersionSource {
  /** DRA device attribute (a version or string). */
  readonly attribute?: string;
  /** Node label (GPU feature discovery). */
  readonly label?: string;
  /** Older GPU feature discovery: labels holding the version's parts, joined with dots. */
  readonly labelParts?: readonly string[];
  /** Inside a granted container: an environment variable the runtime sets... */
  readonly env?: string;
  /** ...or a command the runtime injected, whose output `pattern` (group 1) reads. */
  readonly command?: string;
  readonly pattern?: string;
  /** The allocation paths whose containers carry it (both by default). */
  readonly paths?: readonly ('dra' | 'plugin')[];
}

export interface SharingConventions {
  /** Node label the device plugin sets to the replicas per physical device (time-slicing, MPS). */
  readonly replicasLabel?: string;
  /** Node label holding the number of physical devices. */
  readonly physicalCountLabel?: string;
  /** Extended resources that are hardware partitions (regex), e.g. NVIDIA MIG `nvidia.com/mig-1g.10gb`. */
  readonly partitionResource?: string;
  /** A DRA CEL selector that matches partitions only (not whole devices). */
  readonly draPartitionSelector?: string;
  /** A DRA DeviceClass holding partitions only (NVIDIA's static MIG devices). */
  readonly partitionDeviceClass?: string;
}

export const PROFILES: Readonly<Record<string, AcceleratorProfile>> = {
  nvidia: { name: 'nvidia', extendedResource: 'nvidia.com/gpu', deviceClass: 'gpu.nvidia.com', nodeLabel: 'nvidia.com/gpu.present', taintKeys: ['nvidia.com/gpu'], deviceFiles: ['/dev/nvidia[0-9]*'], tool: 'nvidia-smi -L', identityAttribute: 'uuid', visibleDevicesEnv: 'NVIDIA_VISIBLE_DEVICES',
    sharing: { replicasLabel: 'nvidia.com/gpu.replicas', physicalCountLabel: 'nvidia.com/gpu.count', partitionResource: '^nvidia\\.com/mig-', partitionDeviceClass: 'mig.nvidia.com' },
    runtimeHandler: '^nvidia$',
    versions: {
      driver: { attribute: 'driverVersion', label: 'nvidia.com/cuda.driver-version.full', labelParts: ['nvidia.com/cuda.driver.major', 'nvidia.com/cuda.driver.minor', 'nvidia.com/cuda.driver.rev'], command: 'nvidia-smi --query-gpu=driver_version --format=csv,noheader', pattern: '^\\s*([0-9][0-9.]*)' },
      cuda: { attribute: 'cudaDriverVersion', label: 'nvidia.com/cuda.runtime-version.full', labelParts: ['nvidia.com/cuda.runtime.major', 'nvidia.com/cuda.runtime.minor'], command: 'nvidia-smi', pattern: 'CUDA Version:\\s*([0-9][0-9.]*)' },
    } },
  amd: { name: 'amd', extendedResource: 'amd.com/gpu', deviceClass: 'gpu.amd.com', nodeLabel: 'amd.com/gpu.present', taintKeys: ['amd.com/gpu'], deviceFiles: ['/dev/dri/renderD[0-9]*'], tool: 'amd-smi list', identityAttribute: 'uuid', visibleDevicesEnv: 'AMD_VISIBLE_DEVICES' },
  intel: { name: 'intel', extendedResource: 'gpu.intel.com/i915', deviceClass: 'gpu.intel.com', nodeLabel: 'intel.feature.node.kubernetes.io/gpu', taintKeys: ['gpu.intel.com/i915'], deviceFiles: ['/dev/dri/renderD[0-9]*'], tool: 'xpu-smi discovery', identityAttribute: 'uuid' },
  neuron: { name: 'neuron', extendedResource: 'aws.amazon.com/neuron', deviceClass: 'neuron.aws.com', nodeLabel: 'aws.amazon.com/neuron.present', taintKeys: ['aws.amazon.com/neuron'], deviceFiles: ['/dev/neuron[0-9]*'], tool: 'neuron-ls', identityAttribute: 'uuid' },
  /** The local cluster's real node: the DRA example driver (CDI) and kaic's simulated device plugin. */
  // DRA: the example driver names each allocated device in GPU_DEVICE_<n>=gpu-<n> through CDI. Device
  // plugin: kaic's plugin mounts /dev/kaic-gpu<n> and lists the devices' UUIDs in KAIC_GPU_UUIDS.
  example: { name: 'example', extendedResource: 'example.com/gpu', deviceClass: 'gpu.example.com', taintKeys: [], deviceFiles: ['/dev/kaic-gpu[0-9]*'], identityEnv: '^(?:GPU_DEVICE_[0-9]+|KAIC_GPU_UUIDS)=(.+)$', identityAttribute: 'uuid', identityIsDeviceName: true, simulated: true,
    // The example driver publishes driverVersion; the node's label and the plugin's KAIC_GPU_DRIVER_VERSION stand in for GFD and an injected tool.
    versions: { driver: { attribute: 'driverVersion', label: 'example.com/gpu.driver-version', env: 'KAIC_GPU_DRIVER_VERSION', paths: ['plugin'] } } },
};

export class ProfileError extends Error {}

/** `nvidia` | `amd` | `intel` | `neuron` | `example` | `dra:<deviceClass>` */
export function profileFromFlag(flag: string): AcceleratorProfile {
  if (flag.startsWith('dra:')) {
    const cls = flag.slice(4);
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(cls)) throw new ProfileError(`--accelerator ${flag}: "${cls}" is not a DeviceClass name`);
    // No device files are guessed: a glob such as /dev/* would count /dev/null as an accelerator.
    return { name: flag, deviceClass: cls, taintKeys: [], deviceFiles: [], identityAttribute: 'uuid' };
  }
  const p = PROFILES[flag];
  if (!p) throw new ProfileError(`--accelerator ${flag}: expected one of ${[...Object.keys(PROFILES), 'dra:<deviceClass>'].join(', ')}`);
  return p;
}

/** The profile whose extended resource or label the cluster's nodes carry; nvidia when none does. */
export function detectProfile(nodes: readonly V1Node[]): { profile: AcceleratorProfile; detected: boolean } {
  for (const p of Object.values(PROFILES)) {
    if (nodes.some((n) => (p.extendedResource && n.status?.allocatable?.[p.extendedResource]) || (p.nodeLabel && n.metadata?.labels?.[p.nodeLabel]))) return { profile: p, detected: true };
  }
  return { profile: PROFILES.nvidia!, detected: false };
}

/** Nodes offering this accelerator through its extended resource or label. */
export function acceleratorNodes(nodes: readonly V1Node[], p: AcceleratorProfile): V1Node[] {
  return nodes.filter((n) => (p.extendedResource && Number(n.status?.allocatable?.[p.extendedResource] ?? 0) > 0) || (p.nodeLabel && n.metadata?.labels?.[p.nodeLabel]));
}

/**
 * Tolerations for the taints the given nodes carry (NoSchedule/NoExecute), plus the profile's: probe
 * pods must land on accelerator nodes whatever taint the platform chose to keep others off them.
 */
export function tolerationsForNodes(nodes: readonly V1Node[], nodeNames: Iterable<string>, p: AcceleratorProfile) {
  return tolerationsFor(nodes, nodeNames, p.taintKeys);
}
