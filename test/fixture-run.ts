import type { CheckResult, RunResult } from '../src/results/index.js';

const T0 = Date.parse('2026-11-20T10:00:00Z');
const c = (name: string, outcome: CheckResult['cases'][number]['outcome'], start: number, ms: number, log: string[] = []) => ({ name, outcome, startedAt: T0 + start, finishedAt: T0 + start + ms, log });

/** A run with every verdict, fixed times: renderers are pure, so their output is golden. */
export function sampleRun(): RunResult {
  const pod = { apiVersion: 'v1', kind: 'Pod', name: 'dra-claimant', namespace: 'kaic-abc12345-dra-support', manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dra-claimant', namespace: 'kaic-abc12345-dra-support' }, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', command: ['sh', '-c', 'echo $HOME `date`'] }] } }, case: 'ClaimAllocatedAndReserved' };
  const base = { found: {}, created: [{ apiVersion: 'v1', kind: 'Namespace', name: 'kaic-abc12345-dra-support', manifest: {} }, pod], nodes: [], evidence: {}, leaked: [] };
  return {
    runId: 'abc12345',
    version: 'v1.35',
    kaicVersion: '0.1.0',
    startedAt: T0,
    finishedAt: T0 + 60_000,
    interrupted: false,
    cluster: { server: 'https://127.0.0.1:6443', kubernetesVersion: 'v1.37.2', nodes: 6, readyNodes: 6, simulated: true, anySimulated: true, nodeFacts: [{ name: 'gpu-0', simulated: true, ready: true }], accelerators: [{ node: 'gpu-0', resource: 'nvidia.com/gpu', count: '8' }] },
    accelerator: { profile: 'nvidia', detected: true },
    images: { pause: 'registry.k8s.io/pause:3.10' },
    settings: {},
    checks: [
      { ...base, id: 'dra_support', level: 'MUST', testName: 'TestDRASupport', verdict: 'PASS', found: { deviceClass: 'gpu.nvidia.com' }, startedAt: T0, finishedAt: T0 + 5000, cases: [c('APIServed', { verdict: 'pass', observed: 'served' }, 0, 10), c('ClaimAllocatedAndReserved', { verdict: 'pass', observed: 'claim x allocated gpu-0 & reserved <for> "pod"' }, 10, 4000)] },
      { ...base, id: 'gang_scheduling', level: 'MUST', testName: 'TestGangScheduling', verdict: 'FAIL', startedAt: T0, finishedAt: T0 + 30_000, cases: [c('AllOrNothing', { verdict: 'fail', expected: 'none of 5 pods bound', observed: '3 of 5 pods bound (partial placement) <b>&"' }, 0, 20_000), c('FitsTogether', { verdict: 'pass', observed: 'all 4 bound' }, 20_000, 500)] },
      { ...base, id: 'secure_accelerator_access', level: 'MUST', testName: 'TestSecureAcceleratorAccess', verdict: 'NOT-RUN', startedAt: T0, finishedAt: T0 + 6000, cases: [c('DRAAllocationsAreExclusive', { verdict: 'pass', observed: 'distinct' }, 0, 3000), c('UngrantedPodSeesNone', { verdict: 'not-run', reason: 'simulated-nodes', detail: 'containers do not run', remedy: 'use real nodes' }, 3000, 0)] },
      { ...base, id: 'cluster_autoscaling', level: 'MUST', testName: 'TestAcceleratorClusterAutoscaling', verdict: 'N/A', notApplicable: 'fixed-size on-premises clusters', created: [], startedAt: T0, finishedAt: T0, cases: [] },
      { ...base, id: 'pod_autoscaling', level: 'MUST', testName: 'TestPodAutoscaling', verdict: 'NOT-RUN', notRun: { reason: 'no-check', detail: 'kaic has no automated check for pod_autoscaling yet' }, created: [], startedAt: T0, finishedAt: T0, cases: [] },
      { ...base, id: 'robust_controller', level: 'MUST', testName: 'TestRobustCRDControllerOperation', verdict: 'ERROR', startedAt: T0, finishedAt: T0 + 100, cases: [c('Discover', { verdict: 'error', detail: 'missing RBAC: forbidden' }, 0, 100)] },
    ],
    leaked: [],
  };
}
