import type { ClusterFacts, KObject } from '../api.js';
import { restrictedPod } from '../support/pods.js';

/**
 * AI operators kaic recognises by the API group of their CRDs. An operator kaic can prove also says
 * how: a custom resource that its CRD schema accepts but its own webhook must refuse, a valid one
 * and what reconciling it creates, and the condition that says it is done.
 */
export interface OperatorProfile {
  readonly name: string;
  readonly title: string;
  readonly group: string;
  /** The CRD kaic probes with (plural), and the versions kaic can write, newest first. */
  readonly plural: string;
  readonly kind: string;
  readonly versions: readonly string[];
  readonly probe?: OperatorProbe;
}

export interface OperatorProbe {
  /** The operator's part of the case names (`Trainer/Reconciled`): one word, as a Go subtest name. */
  readonly subtest: string;
  /**
   * The names of the operator's own webhooks for its group. Others may register webhooks for the
   * same group (Kueue's `vtrainjob.kb.io` for TrainJobs): those are not the operator's.
   */
  readonly webhooks: readonly string[];
  /** What the operator's own refusal of `invalid` says (a refusal for another reason proves nothing). */
  readonly refusal: RegExp;
  /**
   * Objects of the run namespace that a valid resource needs first (a Trainer runtime), created
   * for real before the dry runs and before each resource; kaic names them.
   */
  prerequisites?(image: string): Record<string, unknown>[];
  /** Schema-valid, semantically invalid: the operator's own webhook must refuse it. */
  invalid(name: string, image: string): Record<string, unknown>;
  /** Why `invalid` is invalid, in a line. */
  readonly invalidBecause: string;
  valid(name: string, image: string): Record<string, unknown>;
  /** The children reconciling `valid` creates (owned by it), and how many at least; found by a label or field selector. */
  readonly children: { readonly apiVersion: string; readonly kind: string; readonly count: number; readonly selector: (name: string) => { readonly labelSelector?: string; readonly fieldSelector?: string } };
  /** The condition the operator sets when the resource is done. */
  readonly doneCondition: string;
  /** The children's pods (label selector), for a pull failure to be said as what it is. */
  readonly podSelector: (name: string) => string;
}

/** A JobSet of `replicas` one-pod Jobs that run `true` and finish. */
function jobSet(name: string, image: string, successPolicy: Record<string, unknown>, replicas = 2): Record<string, unknown> {
  const pod = restrictedPod({ containers: [{ name: 'worker', image, command: ['true'] }] });
  return {
    kind: 'JobSet',
    metadata: { name },
    spec: {
      successPolicy,
      replicatedJobs: [{ name: 'workers', replicas, template: { spec: { parallelism: 1, completions: 1, backoffLimit: 0, template: { spec: pod } } } }],
    },
  };
}

/** kaic's own TrainingRuntime in the run namespace: one node running `true`. */
const TRAINER_RUNTIME = 'kaic-runtime';
const trainingRuntime = (image: string): Record<string, unknown> => ({
  apiVersion: 'trainer.kubeflow.org/v1alpha1',
  kind: 'TrainingRuntime',
  metadata: { name: TRAINER_RUNTIME },
  spec: {
    mlPolicy: { numNodes: 1 },
    template: {
      spec: {
        replicatedJobs: [{
          name: 'node',
          template: {
            metadata: { labels: { 'trainer.kubeflow.org/trainjob-ancestor-step': 'trainer' } },
            spec: { backoffLimit: 0, template: { spec: restrictedPod({ containers: [{ name: 'node', image, command: ['true'] }] }) } },
          },
        }],
      },
    },
  },
});
const trainJob = (name: string, runtime: string): Record<string, unknown> => ({ kind: 'TrainJob', metadata: { name }, spec: { runtimeRef: { name: runtime, apiGroup: 'trainer.kubeflow.org', kind: 'TrainingRuntime' } } });

export const OPERATORS: readonly OperatorProfile[] = [
  {
    name: 'trainer',
    title: 'Kubeflow Trainer',
    group: 'trainer.kubeflow.org',
    plural: 'trainjobs',
    kind: 'TrainJob',
    versions: ['v1alpha1'],
    probe: {
      subtest: 'Trainer',
      webhooks: ['validator.trainjob.trainer.kubeflow.org', 'defaulter.trainjob.trainer.kubeflow.org', 'validator.trainingruntime.trainer.kubeflow.org', 'validator.clustertrainingruntime.trainer.kubeflow.org'],
      // Trainer's validator: `spec.runtimeRef: Invalid value: …: TrainingRuntime … "kaic-no-such-runtime" not found: specified trainingRuntime must be created …`.
      refusal: /runtimeRef.*kaic-no-such-runtime.*not found/s,
      prerequisites: (image) => [trainingRuntime(image)],
      // The schema takes any runtime name; Trainer's webhook looks the runtime up.
      invalid: (name) => trainJob(name, 'kaic-no-such-runtime'),
      invalidBecause: 'a runtime reference to a TrainingRuntime that does not exist',
      valid: (name) => trainJob(name, TRAINER_RUNTIME),
      // A TrainJob runs as a JobSet of its own name.
      children: { apiVersion: 'jobset.x-k8s.io/v1alpha2', kind: 'JobSet', count: 1, selector: (name) => ({ fieldSelector: `metadata.name=${name}` }) },
      doneCondition: 'Complete',
      podSelector: (name) => `jobset.sigs.k8s.io/jobset-name=${name}`,
    },
  },
  { name: 'training-operator', title: 'Kubeflow Training Operator (v1)', group: 'kubeflow.org', plural: 'pytorchjobs', kind: 'PyTorchJob', versions: ['v1'] },
  {
    name: 'jobset',
    title: 'JobSet',
    group: 'jobset.x-k8s.io',
    plural: 'jobsets',
    kind: 'JobSet',
    versions: ['v1alpha2'],
    probe: {
      subtest: 'JobSet',
      webhooks: ['vjobset.kb.io', 'mjobset.kb.io'],
      // JobSet's validator: `invalid replicatedJob name 'kaic-no-such-job' does not appear in .spec.ReplicatedJobs`.
      refusal: /kaic-no-such-job/,
      // The success policy names a replicated job the JobSet does not have: the CRD's schema cannot
      // see that, JobSet's validating webhook does.
      invalid: (name, image) => jobSet(name, image, { operator: 'All', targetReplicatedJobs: ['kaic-no-such-job'] }),
      invalidBecause: 'a success policy that targets a replicated job it does not have',
      valid: (name, image) => jobSet(name, image, { operator: 'All', targetReplicatedJobs: ['workers'] }),
      children: { apiVersion: 'batch/v1', kind: 'Job', count: 2, selector: (name) => ({ labelSelector: `jobset.sigs.k8s.io/jobset-name=${name}` }) },
      doneCondition: 'Completed',
      podSelector: (name) => `jobset.sigs.k8s.io/jobset-name=${name}`,
    },
  },
  { name: 'kuberay', title: 'KubeRay', group: 'ray.io', plural: 'rayclusters', kind: 'RayCluster', versions: ['v1'] },
  { name: 'leaderworkerset', title: 'LeaderWorkerSet', group: 'leaderworkerset.x-k8s.io', plural: 'leaderworkersets', kind: 'LeaderWorkerSet', versions: ['v1'] },
  { name: 'kserve', title: 'KServe', group: 'serving.kserve.io', plural: 'inferenceservices', kind: 'InferenceService', versions: ['v1beta1'] },
  { name: 'volcano', title: 'Volcano', group: 'batch.volcano.sh', plural: 'jobs', kind: 'Job', versions: ['v1alpha1'] },
  { name: 'kueue', title: 'Kueue', group: 'kueue.x-k8s.io', plural: 'workloads', kind: 'Workload', versions: ['v1beta2', 'v1beta1'] },
  { name: 'mpi-operator', title: 'MPI Operator', group: 'kubeflow.org', plural: 'mpijobs', kind: 'MPIJob', versions: ['v2beta1'] },
];

/** The version of an operator's probe kind this cluster serves, newest kaic knows first. */
export const servedVersion = (c: ClusterFacts, op: OperatorProfile) => op.versions.find((v) => c.serves(`${op.group}/${v}`, op.plural));
export const detectOperator = (c: ClusterFacts, op: OperatorProfile) => c.servedVersions(op.group).some((v) => c.serves(`${op.group}/${v}`, op.plural));

interface WebhookConfiguration {
  kind?: string;
  metadata?: { name?: string };
  webhooks?: { name: string; rules?: { apiGroups?: string[]; resources?: string[]; operations?: string[] }[]; clientConfig?: { url?: string; caBundle?: string; service?: { name: string; namespace: string } }; failurePolicy?: string }[];
}

export interface OperatorWebhook {
  readonly configuration: string;
  readonly kind: 'validating' | 'mutating';
  readonly name: string;
  readonly hasRules: boolean;
  readonly hasCaBundle: boolean;
  readonly failurePolicy: string;
  readonly service?: { readonly name: string; readonly namespace: string };
  readonly url?: string;
}

/** The admission webhooks whose rules cover the operator's API group (its own webhooks). */
export function webhooksFor(group: string, validating: readonly KObject[], mutating: readonly KObject[]): OperatorWebhook[] {
  const out: OperatorWebhook[] = [];
  for (const [kind, list] of [['validating', validating], ['mutating', mutating]] as const) {
    for (const cfg of list as unknown as readonly WebhookConfiguration[]) {
      for (const w of cfg.webhooks ?? []) {
        // Named explicitly: a policy engine's catch-all ("*") is not the operator's webhook.
        if (!(w.rules ?? []).some((r) => (r.apiGroups ?? []).includes(group))) continue;
        out.push({
          configuration: cfg.metadata?.name ?? '',
          kind,
          name: w.name,
          hasRules: (w.rules ?? []).some((r) => (r.resources ?? []).length > 0 && (r.operations ?? []).length > 0),
          hasCaBundle: !!w.clientConfig?.caBundle,
          failurePolicy: w.failurePolicy ?? 'Fail',
          ...(w.clientConfig?.service ? { service: { name: w.clientConfig.service.name, namespace: w.clientConfig.service.namespace } } : {}),
          ...(w.clientConfig?.url ? { url: w.clientConfig.url } : {}),
        });
      }
    }
  }
  return out;
}

/** Who refused an object, from the API server's message. */
export function deniedBy(message: string): { webhook: string } | { schema: true } | undefined {
  const w = /admission webhook "([^"]+)" denied the request/.exec(message);
  if (w) return { webhook: w[1]! };
  // The API server's own validation: `<Kind>.<group> "<name>" is invalid: <field>: ...`.
  if (/^[A-Za-z0-9]+\.[a-z0-9.-]+ "[^"]*" is invalid: /.test(message)) return { schema: true };
  return undefined;
}
