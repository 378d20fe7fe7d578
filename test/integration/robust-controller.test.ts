import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { down, stopClusterAddOn, up } from '../../localcluster/local-cluster.js';
import { runSuite } from '../../src/run/suite.js';
import { checklist, failOpenWebhooks, leftovers } from './run-helpers.js';

// robust_controller against JobSet, built from its module and run beside a kwok twin of the local
// cluster (its webhooks over TLS on 127.0.0.1). The working operator PASSes; a stopped one never does.

type Run = Awaited<ReturnType<typeof runSuite>>;
const NAME = 'kaic-operators';
const outcome = (r: Run, name: string) => r.checks[0]!.cases.find((c) => c.name === name)!.outcome as { verdict: string; observed?: string; detail?: string; reason?: string };
const text = (o: { observed?: string; detail?: string }) => o.observed ?? o.detail ?? '';
const verdicts = (r: Run) => Object.fromEntries(r.checks[0]!.cases.map((c) => [c.name, c.outcome.verdict]));
let kubeconfig = '';

before(async () => {
  kubeconfig = (await up({ name: NAME, realNodes: 0, with: ['jobset'] })).kubeconfig;
});
after(() => down(NAME));

test("JobSet PASSes robust_controller: its own webhook refuses an invalid JobSet by name, a valid one is reconciled to Completed, and deleting one removes its Jobs", async () => {
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'] });
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome])));
  assert.match(text(outcome(r, 'InvalidRefused')), /^refused by "vjobset\.kb\.io" \(403\): .*invalid replicatedJob name 'kaic-no-such-job'.*; a valid JobSet was allowed$/);
  assert.match(text(outcome(r, 'Reconciled')), /^2 Jobs created .*Completed=True/);
  assert.match(text(outcome(r, 'ChildrenRemoved')), /its 2 Jobs .* were removed$/);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('JobSet stopped, its webhooks still registered (failurePolicy Fail): FAIL naming the webhook the API server cannot call, never PASS', async () => {
  await stopClusterAddOn('jobset', NAME);
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'], settings: { 'operator.timeout': '15s' } });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(outcome(r, 'InvalidRefused')), /could not call JobSet's webhook "[mv]jobset\.kb\.io"/);
  // Creating anything is refused by the dead webhook: classified, never a FAIL of reconciling.
  assert.deepEqual(verdicts(r), { OperatorReady: 'pass', InvalidRefused: 'fail', Reconciled: 'not-run', ChildrenRemoved: 'not-run' });
  assert.match(text(outcome(r, 'Reconciled')), /admission webhook "mjobset\.kb\.io" does not answer/);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('JobSet stopped behind webhooks that fail open (failurePolicy Ignore): the invalid JobSet is accepted and nothing reconciles, FAIL on both', async () => {
  await failOpenWebhooks(kubeconfig, 'jobset');
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['robust_controller'], settings: { 'operator.timeout': '15s' } });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.match(text(outcome(r, 'InvalidRefused')), /the server-side dry run accepted it \(failurePolicy Ignore/);
  assert.match(text(outcome(r, 'Reconciled')), /timed out after 15s waiting for 2 Jobs owned by JobSet kaic-probe/);
  assert.equal(outcome(r, 'ChildrenRemoved').verdict, 'not-run');
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});
