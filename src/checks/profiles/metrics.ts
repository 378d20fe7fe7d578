/**
 * Accelerator metrics exporters kaic recognises: how to find them, which series carry utilisation
 * and memory, which labels name one device, and each name's OpenTelemetry GPU semantic-convention
 * counterpart (for the evidence). Names are the exporters' own, as their documentation lists them.
 */
export interface ExporterFamily {
  readonly name: string;
  /** Matched against a Service's name and its label values. */
  readonly service: RegExp;
  /** Series of how busy a device is (required, one per device). */
  readonly utilisation: readonly string[];
  /** Series of memory in use (required, one per device): free or total memory is not usage. */
  readonly memory: readonly string[];
  /** Memory free or total: reported, not required. */
  readonly memoryTotal: readonly string[];
  readonly temperature: readonly string[];
  readonly power: readonly string[];
  readonly interconnect: readonly string[];
  /** Labels naming one device, most specific first: a series is per device if it has one. */
  readonly deviceLabels: readonly string[];
  /** Labels that, beside a device label, name a partition of it (a MIG instance). */
  readonly partitionLabels: readonly string[];
  /** The device label whose value is the identity DRA publishes (uuid), where there is one. */
  readonly identityLabel?: string;
  /** The extended resource whose count the device label counts, when not the profile's (Neuron cores). */
  readonly countsResource?: string;
  /** Per-device series exist only while a workload runs on the device (Neuron monitor): absence is no verdict. */
  readonly perDeviceOnlyUnderLoad?: boolean;
  /** Service names or label values of the same vendor that are not this exporter. */
  readonly notService?: RegExp;
  readonly otel: Readonly<Record<string, string>>;
}

export const EXPORTER_FAMILIES: readonly ExporterFamily[] = [
  {
    name: 'NVIDIA DCGM exporter',
    service: /dcgm-exporter/,
    utilisation: ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_PROF_GR_ENGINE_ACTIVE'],
    memory: ['DCGM_FI_DEV_FB_USED'],
    memoryTotal: ['DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_FB_TOTAL'],
    temperature: ['DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_MEMORY_TEMP'],
    power: ['DCGM_FI_DEV_POWER_USAGE'],
    interconnect: ['DCGM_FI_PROF_NVLINK_TX_BYTES', 'DCGM_FI_PROF_NVLINK_RX_BYTES', 'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', 'DCGM_FI_PROF_PCIE_TX_BYTES'],
    deviceLabels: ['UUID', 'gpu', 'pci_bus_id', 'device'],
    partitionLabels: ['GPU_I_ID'],
    identityLabel: 'UUID',
    otel: { DCGM_FI_DEV_GPU_UTIL: 'hw.gpu.utilization', DCGM_FI_PROF_GR_ENGINE_ACTIVE: 'hw.gpu.utilization', DCGM_FI_DEV_FB_USED: 'hw.gpu.memory.usage', DCGM_FI_DEV_FB_FREE: 'hw.gpu.memory.limit (with usage)', DCGM_FI_DEV_FB_TOTAL: 'hw.gpu.memory.limit', DCGM_FI_DEV_GPU_TEMP: 'hw.temperature', DCGM_FI_DEV_MEMORY_TEMP: 'hw.temperature', DCGM_FI_DEV_POWER_USAGE: 'hw.power', DCGM_FI_PROF_NVLINK_TX_BYTES: 'hw.gpu.io', DCGM_FI_PROF_NVLINK_RX_BYTES: 'hw.gpu.io', DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL: 'hw.gpu.io', DCGM_FI_PROF_PCIE_TX_BYTES: 'hw.gpu.io' },
  },
  {
    name: 'AMD device metrics exporter',
    service: /(amd|gpu).*metrics-exporter|device-metrics-exporter/,
    notService: /network/,
    utilisation: ['gpu_gfx_activity'],
    memory: ['gpu_used_vram'],
    memoryTotal: ['gpu_total_vram', 'gpu_free_vram'],
    temperature: ['gpu_edge_temperature', 'gpu_junction_temperature', 'gpu_memory_temperature'],
    power: ['gpu_power_usage', 'gpu_package_power', 'gpu_average_package_power'],
    interconnect: ['gpu_xgmi_link_rx', 'gpu_xgmi_link_tx', 'pcie_bandwidth'],
    deviceLabels: ['gpu_uuid', 'serial_number', 'gpu_id', 'card_id'],
    partitionLabels: ['gpu_partition_id'],
    otel: { gpu_gfx_activity: 'hw.gpu.utilization', gpu_used_vram: 'hw.gpu.memory.usage', gpu_total_vram: 'hw.gpu.memory.limit', gpu_free_vram: 'hw.gpu.memory.limit (with usage)', gpu_edge_temperature: 'hw.temperature', gpu_junction_temperature: 'hw.temperature', gpu_memory_temperature: 'hw.temperature', gpu_power_usage: 'hw.power', gpu_package_power: 'hw.power', gpu_average_package_power: 'hw.power', gpu_xgmi_link_rx: 'hw.gpu.io', gpu_xgmi_link_tx: 'hw.gpu.io', pcie_bandwidth: 'hw.gpu.io' },
  },
  {
    name: 'AWS Neuron monitor',
    service: /neuron-monitor/,
    utilisation: ['neuroncore_utilization_ratio'],
    memory: ['neuroncore_memory_usage_tensors', 'neuroncore_memory_usage_model_code', 'neuroncore_memory_usage_runtime_memory', 'neuroncore_memory_usage_constants', 'neuroncore_memory_usage_model_shared_scratchpad'],
    memoryTotal: [],
    temperature: [],
    power: ['neuron_hardware_power'],
    interconnect: [],
    deviceLabels: ['neuroncore', 'neuron_device_index'],
    partitionLabels: [],
    countsResource: 'aws.amazon.com/neuroncore',
    perDeviceOnlyUnderLoad: true,
    otel: { neuroncore_utilization_ratio: 'hw.gpu.utilization', neuroncore_memory_usage_tensors: 'hw.gpu.memory.usage', neuroncore_memory_usage_model_code: 'hw.gpu.memory.usage', neuroncore_memory_usage_runtime_memory: 'hw.gpu.memory.usage', neuroncore_memory_usage_constants: 'hw.gpu.memory.usage', neuroncore_memory_usage_model_shared_scratchpad: 'hw.gpu.memory.usage', neuron_hardware_power: 'hw.power' },
  },
];
