/**
 * How platforms advertise virtualized accelerators (data, not logic): vGPU types (mediated
 * devices) and VFIO passthrough devices as extended resources, as NVIDIA's GPU Operator does for
 * sandboxed workloads (KubeVirt, Kata) — named after the vGPU type or the PCI device — and DRA
 * DeviceClasses for either. Each kind says how a container granted one finds it healthy.
 *
 * Only names that say "a virtual accelerator" are matched: a bare `vfio` or `vgpu` in a name is
 * also used by SR-IOV network cards (`openshift.io/sriov_vfio`) and by software GPU sharing
 * (HAMi's vgpu resources, Volcano's `vgpu-memory`), which are neither.
 */
export interface VirtualKind {
  readonly kind: 'vGPU' | 'VFIO passthrough';
  /** Device files a granted container sees (busybox `ls` globs). */
  readonly deviceFiles: readonly string[];
  /**
   * A shell test the granted container must pass besides finding the files: for passthrough, that
   * each VFIO group holds a display or processing accelerator (PCI class 0x03 or 0x12), not a NIC.
   */
  readonly healthy?: string;
}

interface ResourcePattern extends VirtualKind {
  readonly pattern: RegExp;
  readonly example: string;
}

/** A VFIO group's PCI devices are display controllers (0x03xxxx) or processing accelerators (0x12xxxx). */
const ACCELERATOR_GROUP = 'for g in /dev/vfio/[0-9]*; do cat /sys/kernel/iommu_groups/${g##*/}/devices/*/class; done | grep -q "^0x\\(03\\|12\\)"';
const PASSTHROUGH: VirtualKind = { kind: 'VFIO passthrough', deviceFiles: ['/dev/vfio/vfio', '/dev/vfio/[0-9]*'], healthy: ACCELERATOR_GROUP };
/** A mediated device (NVIDIA vGPU through KubeVirt's or NVIDIA's device plugin): the VFIO container device, and the mdev named in the environment. */
const MDEV: VirtualKind = { kind: 'vGPU', deviceFiles: ['/dev/vfio/vfio'], healthy: 'env | grep -q "^MDEV_PCI_RESOURCE_"' };

/** Most specific first: the first pattern that matches a resource name decides its kind. */
export const VIRTUAL_RESOURCES: readonly ResourcePattern[] = [
  // kaic's local cluster: its device plugin's second instance (simulated, like its GPUs).
  { pattern: /^example\.com\/vgpu$/, kind: 'vGPU', deviceFiles: ['/dev/kaic-vgpu[0-9]*'], example: 'example.com/vgpu' },
  // NVIDIA vGPU types: GRID_T4-16Q, NVIDIA_A10-12Q, A100-4C; MIG-backed NVIDIA_A100-4-20C.
  { pattern: /^nvidia\.com\/(GRID_|NVIDIA_)?[A-Z0-9][A-Za-z0-9_]*-\d+(-\d+)?[ABCQ]$/, ...MDEV, example: 'nvidia.com/GRID_T4-16Q' },
  // NVIDIA passthrough: the PCI device's name (GA102GL_A10, TU104GL_Tesla_T4, GA100_A100_PCIE_40GB), or Kata's pgpu.
  { pattern: /^nvidia\.com\/([A-Z]{2}\d{3}[A-Z]*_[A-Za-z0-9_]+|pgpu)$/, ...PASSTHROUGH, example: 'nvidia.com/GA102GL_A10' },
];

/** DeviceClasses that hand out virtual devices (detected and reported; kaic proves the extended-resource path). */
export const VIRTUAL_DEVICE_CLASS = /vgpu|vfio|passthrough/i;

/** What kind of virtualized accelerator an extended resource is, if any. */
export function virtualKind(resource: string): (VirtualKind & { readonly resource: string }) | undefined {
  const p = VIRTUAL_RESOURCES.find((x) => x.pattern.test(resource));
  return p ? { resource, kind: p.kind, deviceFiles: p.deviceFiles, ...(p.healthy ? { healthy: p.healthy } : {}) } : undefined;
}

/** The kinds `--set virtual.kind` names, for a resource kaic does not recognise. */
export const NAMED_KINDS: Readonly<Record<'vgpu' | 'vfio', VirtualKind>> = { vgpu: MDEV, vfio: PASSTHROUGH };
