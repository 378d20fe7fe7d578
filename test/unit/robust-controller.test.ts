import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../src/checks/api.js';
import { deniedBy, OPERATORS, webhooksFor } from '../../src/checks/profiles/operators.js';

const hook = (name: string, groups: string[], extra: Record<string, unknown> = {}) => ({ name, rules: [{ apiGroups: groups, resources: ['x'], operations: ['CREATE'] }], clientConfig: { caBundle: 'Q0E=', service: { name: 'svc', namespace: 'ns' } }, ...extra });
const cfg = (name: string, webhooks: unknown[]) => ({ metadata: { name }, webhooks }) as unknown as KObject;

test("an operator's webhooks are those with a rule for its API group; a policy engine's catch-all is not one", () => {
  const validating = [cfg('jobset-validating-webhook-configuration', [hook('vjobset.kb.io', ['jobset.x-k8s.io']), hook('vpod.kb.io', [''])]), cfg('kyverno-resource-validating-webhook-cfg', [hook('validate.kyverno.svc', ['*'])])];
  const mutating = [cfg('jobset-mutating-webhook-configuration', [hook('mjobset.kb.io', ['jobset.x-k8s.io'], { clientConfig: { url: 'https://127.0.0.1:9443/mutate' } })])];
  const found = webhooksFor('jobset.x-k8s.io', validating, mutating);
  assert.deepEqual(found.map((h) => [h.kind, h.name, h.hasCaBundle]), [['validating', 'vjobset.kb.io', true], ['mutating', 'mjobset.kb.io', false]]);
  assert.equal(found[1]!.url, 'https://127.0.0.1:9443/mutate');
});

test('a refusal names who refused: a webhook by name, or the CRD schema', () => {
  assert.deepEqual(deniedBy(`admission webhook "vjobset.kb.io" denied the request: invalid replicatedJob name 'x' does not appear in .spec.ReplicatedJobs`), { webhook: 'vjobset.kb.io' });
  assert.deepEqual(deniedBy('JobSet.jobset.x-k8s.io "kaic-invalid" is invalid: spec.replicatedJobs[0].replicas: Invalid value: -1: should be greater than or equal to 0'), { schema: true });
  assert.equal(deniedBy('namespaces "x" is forbidden: exceeded quota'), undefined);
});

test("each probe knows its operator's own webhooks and what their refusal says (messages recorded from Trainer v2.2.0 and JobSet v0.11.1)", () => {
  const trainer = OPERATORS.find((o) => o.name === 'trainer')!.probe!;
  const jobset = OPERATORS.find((o) => o.name === 'jobset')!.probe!;
  const trainerSaid = 'admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request: spec.runtimeRef: Invalid value: {"name":"kaic-no-such-runtime","apiGroup":"trainer.kubeflow.org","kind":"TrainingRuntime"}: TrainingRuntime.trainer.kubeflow.org "kaic-no-such-runtime" not found: specified trainingRuntime must be created before the TrainJob is created';
  const jobsetSaid = `admission webhook "vjobset.kb.io" denied the request: invalid replicatedJob name 'kaic-no-such-job' does not appear in .spec.ReplicatedJobs`;
  assert.deepEqual(deniedBy(trainerSaid), { webhook: 'validator.trainjob.trainer.kubeflow.org' });
  assert.ok(trainer.webhooks.includes('validator.trainjob.trainer.kubeflow.org'));
  assert.match(trainerSaid, trainer.refusal);
  assert.match(jobsetSaid, jobset.refusal);
  // Kueue registers webhooks for TrainJobs and JobSets too: only the operator's own names count.
  assert.ok(!trainer.webhooks.includes('vtrainjob.kb.io'));
  // A refusal by the operator's webhook for another reason (its cache not yet seeing the runtime kaic made) is not the one sought.
  assert.doesNotMatch('admission webhook "validator.trainjob.trainer.kubeflow.org" denied the request: spec.runtimeRef: Invalid value: {"name":"kaic-runtime"}: TrainingRuntime.trainer.kubeflow.org "kaic-runtime" not found', trainer.refusal);
  // Names of probe resources carry the operator: one operator's children never collide with the next one's.
  const names = OPERATORS.filter((o) => o.probe).map((o) => o.probe!.subtest);
  assert.deepEqual(names, ['Trainer', 'JobSet']);
});
