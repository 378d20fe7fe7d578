import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { down, stopClusterAddOn, up } from '../../localcluster/local-cluster.js';
import { runSuite } from '../../src/run/suite.js';
import { checklist, failOpenWebhooks, leftovers } from './run-helpers.js';

// robust_controller against Kubeflow Trainer (upstream's operator) and JobSet, both built from their
// modules and run beside a kwok twin of the local cluster (webhooks over TLS on 127.0.0.1). Every
// operator kaic can prove is proven in one run; a stopped one never PASSes, and the other's verdicts
// stay its own.

type Run = Awaited<ReturnType<typeof runSuite>>;
const NAME = 'kaic-operators';
const outcome = (r: Run, name: string) => r.checks[0]!.cases.find((c) => c.name === name)!.outcome as { verdict: string; observed?: string; detail?: string; reason?: string; because?: string };
const text = (o: { observed?: string; detail?: string }) => o.observed ?? o.detail ?? '';
const verdicts = (r: Run, prefix: string) => Object.fromEntries(r.checks[0]!.cases.filter((c) => c.name.startsWith(`${prefix}/`)).map((c) => [c.name.slice(prefix.length + 1), c.outcome.verdict]));
const allPass = { OperatorReady: 'pass', InvalidRefused: 'pass', Reconciled: 'pass', ChildrenRemoved: 'pass' };
let kubeconfig = '';

before(async () => {
  // Trainer runs its TrainJobs as JobSets: the JobSet add-on starts first.
  kubeconfig = (await up({ name: NAME, realNodes: 0, with: ['trainer'] })).kubeconfig;
});
after(() => down(NAME));

test('Kubeflow Trainer and JobSet both PASS robust_controller: each one\'s own webhook refuses an invalid resource by name, a valid one is reconciled to done, and deleting one removes its children', async () => {
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'] });
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome])));
  assert.deepEqual(verdicts(r, 'Trainer'), allPass);
  assert.deepEqual(verdicts(r, 'JobSet'), allPass);
  assert.match(text(outcome(r, 'Trainer/InvalidRefused')), /^refused by "validator\.trainjob\.trainer\.kubeflow\.org" \(\d+\): .*kaic-no-such-runtime.*; a valid TrainJob was allowed$/);
  assert.match(text(outcome(r, 'Trainer/Reconciled')), /^1 JobSets created \(kaic-trainer-probe\); Complete=True/);
  assert.match(text(outcome(r, 'Trainer/ChildrenRemoved')), /its 1 JobSets \(kaic-trainer-delete\) were removed$/);
  assert.match(text(outcome(r, 'JobSet/InvalidRefused')), /^refused by "vjobset\.kb\.io" \(403\): .*invalid replicatedJob name 'kaic-no-such-job'.*; a valid JobSet was allowed$/);
  assert.match(text(outcome(r, 'JobSet/Reconciled')), /^2 Jobs created .*Completed=True/);
  assert.match(text(outcome(r, 'JobSet/ChildrenRemoved')), /its 2 Jobs .* were removed$/);
  assert.equal(r.checks[0]!.found.proven, 'Kubeflow Trainer, JobSet');
  // The pods of nested templates (a runtime's JobSet, a JobSet's Jobs) run under the run's PriorityClass, labelled.
  const manifest = (kind: string) => r.checks[0]!.created.find((o) => o.kind === kind)!.manifest as { spec: Record<string, unknown> };
  type PodTemplate = { metadata: { labels: Record<string, string> }; spec: { priorityClassName?: string } };
  const runtimePod = ((manifest('TrainingRuntime').spec.template as { spec: { replicatedJobs: { template: { spec: { template: PodTemplate } } }[] } }).spec.replicatedJobs[0]!.template.spec.template);
  const jobsetPod = ((manifest('JobSet').spec.replicatedJobs as { template: { spec: { template: PodTemplate } } }[])[0]!.template.spec.template);
  for (const t of [runtimePod, jobsetPod]) {
    assert.match(t.spec.priorityClassName ?? '', /^kaic-[0-9a-f]+-no-preemption$/);
    assert.equal(t.metadata.labels['kaic.dev/run'], r.runId);
  }
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('one operator asked for (--set operator=jobset): the other\'s cases are not applicable, saying why', async () => {
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'], settings: { operator: 'jobset' } });
  assert.equal(r.checks[0]!.verdict, 'PASS');
  assert.deepEqual(verdicts(r, 'JobSet'), allPass);
  assert.equal(outcome(r, 'Trainer/Reconciled').verdict, 'not-applicable');
  assert.match(outcome(r, 'Trainer/Reconciled').because!, /--set operator=jobset asked for another operator/);
});

test("Trainer stopped, its webhooks still registered (failurePolicy Fail): FAIL naming Trainer's webhook; JobSet's cases still PASS", async () => {
  await stopClusterAddOn('trainer', NAME);
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'], settings: { 'operator.timeout': '15s' } });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(outcome(r, 'Trainer/InvalidRefused')), /could not call Kubeflow Trainer's webhook "(validator|defaulter)\.trainjob\.trainer\.kubeflow\.org"/);
  // Creating anything of Trainer's is refused by the dead webhook: classified, never a FAIL of reconciling.
  assert.deepEqual(verdicts(r, 'Trainer'), { OperatorReady: 'pass', InvalidRefused: 'fail', Reconciled: 'not-run', ChildrenRemoved: 'not-run' });
  assert.match(text(outcome(r, 'Trainer/Reconciled')), /admission webhook "[a-z.]+trainer\.kubeflow\.org" does not answer/);
  assert.deepEqual(verdicts(r, 'JobSet'), allPass);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

/** The fail-open twin: the operator stopped behind webhooks set to `failurePolicy: Ignore`. */
async function failsOpen(addOn: 'trainer' | 'jobset', subtest: string, waitedFor: RegExp) {
  await failOpenWebhooks(kubeconfig, addOn);
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'], settings: { 'operator.timeout': '15s', operator: addOn } });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(outcome(r, `${subtest}/InvalidRefused`)), /the server-side dry run accepted it \(failurePolicy Ignore/);
  assert.match(text(outcome(r, `${subtest}/Reconciled`)), waitedFor);
  assert.equal(outcome(r, `${subtest}/ChildrenRemoved`).verdict, 'not-run');
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
}

test('Trainer stopped behind webhooks that fail open (failurePolicy Ignore): the invalid TrainJob is accepted and nothing reconciles, FAIL on both', () =>
  failsOpen('trainer', 'Trainer', /timed out after 15s waiting for 1 JobSets owned by TrainJob kaic-trainer-probe/));

test('JobSet stopped, its webhooks still registered (failurePolicy Fail): FAIL naming the webhook the API server cannot call, never PASS', async () => {
  await stopClusterAddOn('jobset', NAME);
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'], settings: { 'operator.timeout': '15s', operator: 'jobset' } });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(outcome(r, 'JobSet/InvalidRefused')), /could not call JobSet's webhook "[mv]jobset\.kb\.io"/);
  assert.deepEqual(verdicts(r, 'JobSet'), { OperatorReady: 'pass', InvalidRefused: 'fail', Reconciled: 'not-run', ChildrenRemoved: 'not-run' });
  assert.match(text(outcome(r, 'JobSet/Reconciled')), /admission webhook "mjobset\.kb\.io" does not answer/);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('JobSet stopped behind webhooks that fail open (failurePolicy Ignore): the invalid JobSet is accepted and nothing reconciles, FAIL on both', () =>
  failsOpen('jobset', 'JobSet', /timed out after 15s waiting for 2 Jobs owned by JobSet kaic-jobset-probe/));
