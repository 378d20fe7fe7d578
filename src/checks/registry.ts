import type { Check } from './api.js';
import acceleratorMetrics from './accelerator-metrics.js';
import advancedInferenceIngress from './advanced-inference-ingress.js';
import aiInference from './ai-inference.js';
import aiServiceMetrics from './ai-service-metrics.js';
import clusterAutoscaling from './cluster-autoscaling.js';
import disaggregatedInference from './disaggregated-inference.js';
import draSupport from './dra-support.js';
import driverRuntimeManagement from './driver-runtime-management.js';
import gangScheduling from './gang-scheduling.js';
import gpuSharing from './gpu-sharing.js';
import highPerformanceNetworking from './high-performance-networking.js';
import podAutoscaling from './pod-autoscaling.js';
import robustController from './robust-controller.js';
import secureAcceleratorAccess from './secure-accelerator-access.js';
import virtualizedAccelerator from './virtualized-accelerator.js';
import workloadSandboxing from './workload-sandboxing.js';

/** One check per requirement id; a requirement without one is NOT-RUN ("no automated check yet"). */
export const CHECKS: ReadonlyMap<string, Check> = new Map(([draSupport, secureAcceleratorAccess, gangScheduling, gpuSharing, workloadSandboxing, driverRuntimeManagement, acceleratorMetrics, aiServiceMetrics, podAutoscaling, aiInference, virtualizedAccelerator, robustController, clusterAutoscaling, highPerformanceNetworking, disaggregatedInference, advancedInferenceIngress] as Check[]).map((c) => [c.id, c]));
