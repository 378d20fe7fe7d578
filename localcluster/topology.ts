/**
 * What the local cluster simulates: CPU and GPU nodes as GPU Operator / GPU feature discovery label
 * them, and a DRA driver's DeviceClass and ResourceSlices. Pure data; local-cluster.ts applies it.
 */
export interface Topology {
  readonly cpuNodes: number;
  readonly gpuNodes: number;
  readonly gpusPerNode: number;
  readonly product: string;
  readonly driverVersion: string;
  readonly cudaVersion: string;
  readonly memoryPerGpu: string;
}

export const DEFAULT_TOPOLOGY: Topology = {
  cpuNodes: 2,
  gpuNodes: 4,
  gpusPerNode: 8,
  product: 'NVIDIA-H100-80GB-HBM3',
  driverVersion: '570.148.08',
  cudaVersion: '12.8',
  memoryPerGpu: '80Gi',
};

export const DRA_DRIVER = 'gpu.nvidia.com';
export const GPU_RESOURCE = 'nvidia.com/gpu';
export const cpuNodeName = (i: number) => `kaic-cpu-${i}`;
export const gpuNodeName = (i: number) => `kaic-gpu-${i}`;

type Obj = Record<string, unknown>;

function node(name: string, labels: Record<string, string>, extra: { taints?: Obj[]; resources?: Record<string, string> } = {}): Obj {
  const resources = { cpu: '64', memory: '512Gi', pods: '110', 'ephemeral-storage': '1Ti', ...extra.resources };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'type': 'kwok', 'kaic.dev/local-cluster': 'true', ...labels },
    },
    spec: { taints: extra.taints ?? [] },
    status: { capacity: resources, allocatable: resources },
  };
}

export function nodes(t: Topology = DEFAULT_TOPOLOGY): Obj[] {
  const out: Obj[] = [];
  for (let i = 0; i < t.cpuNodes; i++) out.push(node(cpuNodeName(i), { 'node.kubernetes.io/instance-type': 'cpu-64' }));
  const [cudaMajor, cudaMinor] = t.cudaVersion.split('.');
  const [drvMajor, drvMinor, drvRev] = t.driverVersion.split('.');
  for (let i = 0; i < t.gpuNodes; i++) {
    out.push(
      node(
        gpuNodeName(i),
        {
          'node.kubernetes.io/instance-type': 'gpu-h100x8',
          'nvidia.com/gpu.present': 'true',
          'nvidia.com/gpu.product': t.product,
          'nvidia.com/gpu.count': String(t.gpusPerNode),
          'nvidia.com/gpu.memory': '81559',
          'nvidia.com/gpu.family': 'hopper',
          'nvidia.com/gpu.deploy.device-plugin': 'true',
          'nvidia.com/gpu.deploy.dcgm-exporter': 'true',
          'nvidia.com/cuda.driver.major': drvMajor!,
          'nvidia.com/cuda.driver.minor': drvMinor!,
          'nvidia.com/cuda.driver.rev': drvRev!,
          'nvidia.com/cuda.runtime.major': cudaMajor!,
          'nvidia.com/cuda.runtime.minor': cudaMinor!,
          'nvidia.com/mig.capable': 'true',
        },
        { taints: [{ key: GPU_RESOURCE, value: 'present', effect: 'NoSchedule' }], resources: { [GPU_RESOURCE]: String(t.gpusPerNode) } },
      ),
    );
  }
  return out;
}

export function deviceClass(): Obj {
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'DeviceClass',
    metadata: { name: DRA_DRIVER, labels: { 'kaic.dev/local-cluster': 'true' } },
    spec: { selectors: [{ cel: { expression: `device.driver == "${DRA_DRIVER}"` } }] },
  };
}

/** One complete pool per GPU node, owned by its Node as a kubelet plugin's slices are. */
export function resourceSlices(nodeUids: ReadonlyMap<string, string>, t: Topology = DEFAULT_TOPOLOGY): Obj[] {
  const out: Obj[] = [];
  for (let i = 0; i < t.gpuNodes; i++) {
    const name = gpuNodeName(i);
    const uid = nodeUids.get(name);
    if (!uid) throw new Error(`node ${name} has no uid (not created?)`);
    out.push({
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceSlice',
      metadata: {
        name: `${name}-${DRA_DRIVER}`,
        labels: { 'kaic.dev/local-cluster': 'true' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid, controller: true }],
      },
      spec: {
        driver: DRA_DRIVER,
        nodeName: name,
        pool: { name, generation: 1, resourceSliceCount: 1 },
        devices: Array.from({ length: t.gpusPerNode }, (_, g) => ({
          name: `gpu-${g}`,
          attributes: {
            type: { string: 'gpu' },
            productName: { string: t.product.replace(/-/g, ' ') },
            uuid: { string: `GPU-${uuidFor(i, g)}` },
            index: { int: g },
            // Semver has no leading zeros: 570.148.08 is published as 570.148.8.
            driverVersion: { version: t.driverVersion.split('.').map(Number).join('.') },
            cudaComputeCapability: { version: '9.0.0' },
            cudaDriverVersion: { version: `${t.cudaVersion}.0` },
            architecture: { string: 'Hopper' },
            brand: { string: 'Nvidia' },
          },
          capacity: { memory: { value: t.memoryPerGpu } },
        })),
      },
    });
  }
  return out;
}

/** Deterministic, well-formed UUIDs, distinct per node and GPU. */
function uuidFor(nodeIndex: number, gpu: number): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(0x6b616963, 8)}-${hex(nodeIndex, 4)}-4${hex(gpu, 3)}-8000-${hex(nodeIndex * 16 + gpu, 12)}`;
}
