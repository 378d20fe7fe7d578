/**
 * How platforms advertise virtualized accelerators (data, not logic): vGPU types and VFIO
 * passthrough devices as extended resources (NVIDIA's GPU Operator for sandboxed workloads names
 * them after the vGPU type or the PCI device), and DRA DeviceClasses for either. Each kind names
 * the device files a container granted one should see.
 */
export interface VirtualKind {
  readonly kind: 'vGPU' | 'VFIO passthrough';
  /** Device files a granted container sees (busybox `ls` globs). */
  readonly deviceFiles: readonly string[];
}

interface ResourcePattern extends VirtualKind {
  readonly pattern: RegExp;
  readonly example: string;
}

const VFIO = ['/dev/vfio/[0-9]*'];
const NVIDIA_VGPU = ['/dev/nvidia[0-9]*'];

/** Most specific first: the first pattern that matches a resource name decides its kind. */
export const VIRTUAL_RESOURCES: readonly ResourcePattern[] = [
  // kaic's local cluster: its device plugin's second instance (simulated, like its GPUs).
  { pattern: /^example\.com\/vgpu$/, kind: 'vGPU', deviceFiles: ['/dev/kaic-vgpu[0-9]*'], example: 'example.com/vgpu' },
  // NVIDIA vGPU types: GRID_T4-16Q, NVIDIA_A10-12Q, A100-4C (profile: framebuffer GB and series letter).
  { pattern: /^nvidia\.com\/(GRID_|NVIDIA_)?[A-Z0-9]+[A-Za-z0-9_]*-\d+[ABCQ]$/, kind: 'vGPU', deviceFiles: NVIDIA_VGPU, example: 'nvidia.com/GRID_T4-16Q' },
  // NVIDIA passthrough: the PCI device name (GA102GL_A10, TU104GL_TESLA_T4), handed over through VFIO.
  { pattern: /^nvidia\.com\/[A-Z0-9]+GL?_[A-Z0-9_]+$/, kind: 'VFIO passthrough', deviceFiles: VFIO, example: 'nvidia.com/GA102GL_A10' },
  { pattern: /vfio/i, kind: 'VFIO passthrough', deviceFiles: VFIO, example: 'devices.kubevirt.io/vfio' },
  { pattern: /vgpu/i, kind: 'vGPU', deviceFiles: NVIDIA_VGPU, example: 'volcano.sh/vgpu-number' },
];

/** DeviceClasses that hand out virtual devices (detected and reported; kaic proves the extended-resource path). */
export const VIRTUAL_DEVICE_CLASS = /vgpu|vfio|passthrough/i;

/** What kind of virtualized accelerator an extended resource is, if any. */
export function virtualKind(resource: string): (VirtualKind & { readonly resource: string }) | undefined {
  const p = VIRTUAL_RESOURCES.find((x) => x.pattern.test(resource));
  return p ? { resource, kind: p.kind, deviceFiles: p.deviceFiles } : undefined;
}
