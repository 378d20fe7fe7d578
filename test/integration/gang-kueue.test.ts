import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rawRequest } from '../../src/cluster/api.js';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { down, stopClusterAddOn, up } from '../../localcluster/local-cluster.js';
import { runSuite } from '../../src/run/suite.js';
import { checklist, failOpenWebhooks, leftovers } from './run-helpers.js';

// gang_scheduling through Kueue, built from its module and run beside a kwok twin of the local
// cluster (controllers and webhooks on 127.0.0.1, TLS with a certificate made here). The correct
// set-up PASSes; a quota above what the nodes hold and a stopped Kueue never do.

type Run = Awaited<ReturnType<typeof runSuite>>;
const NAME = 'kaic-kueue';
const settings = { 'gang.window': '8s' };
const caseOf = (r: Run, name: string) => r.checks[0]!.cases.find((c) => c.name === name)!.outcome as { verdict: string; observed?: string; detail?: string; expected?: string };
const text = (o: { observed?: string; detail?: string }) => o.observed ?? o.detail ?? '';
let kubeconfig = '';

// The cluster's own queue, which kaic must leave as it found it.
const USER_QUEUE = { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ClusterQueue', metadata: { name: 'team-a' }, spec: { namespaceSelector: {}, resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'team-a', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '2' }] }] }] } };

before(async () => {
  kubeconfig = (await up({ name: NAME, realNodes: 0, with: ['kueue'] })).kubeconfig;
});
after(() => down(NAME));

test("Kueue gangs PASS: a gang one member too big stays pending on quota with zero pods, a gang that fits is admitted and bound together; kaic's own queues go, the cluster's stay", async () => {
  const kc = loadKubeConfig({ kubeconfig });
  await rawRequest(kc, 'POST', '/apis/kueue.x-k8s.io/v1beta2/resourceflavors', { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'ResourceFlavor', metadata: { name: 'team-a' }, spec: {} });
  await rawRequest(kc, 'POST', '/apis/kueue.x-k8s.io/v1beta2/clusterqueues', USER_QUEUE);
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['gang_scheduling'], settings });
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome])));
  for (const name of ['AllOrNothing', 'AllOrNothingRepeat']) {
    // Kueue's own reason: the whole gang against the quota kaic sized from the free capacity.
    assert.match(text(caseOf(r, name)), /^0 of 5 pods bound for 8s .*insufficient quota for nvidia\.com\/gpu .*> maximum capacity \(32\)/);
  }
  for (const name of ['FitsTogether', 'FitsTogetherRepeat']) assert.match(text(caseOf(r, name)), /^all 4 members bound within .*admitted/);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
  const mine = (await rawRequest(kc, 'GET', '/apis/kueue.x-k8s.io/v1beta2/clusterqueues')) as { items: { metadata: { name: string }; spec: unknown }[] };
  assert.deepEqual(mine.items.map((q) => q.metadata.name), ['team-a']);
  assert.deepEqual((mine.items[0]!.spec as { resourceGroups: unknown }).resourceGroups, USER_QUEUE.spec.resourceGroups);
});

test('Kueue with a quota above what the nodes hold admits the gang and only part of it binds: FAIL, partial placement', async () => {
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['gang_scheduling'], settings: { ...settings, 'gang.quota': '1000' } });
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  for (const name of ['AllOrNothing', 'AllOrNothingRepeat']) {
    const o = caseOf(r, name);
    assert.equal(o.verdict, 'fail');
    assert.match(text(o), /^[1-4] of 5 pods bound \(partial placement\).*admitted/);
  }
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test('Kueue stopped, its webhooks still registered (failurePolicy Fail): NOT-RUN naming the webhook that does not answer, never PASS', async () => {
  await stopClusterAddOn('kueue', NAME);
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['gang_scheduling'], settings });
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  for (const c of r.checks[0]!.cases) {
    assert.equal((c.outcome as { reason?: string }).reason, 'missing-component', c.name);
    assert.match(text(c.outcome as never), /admission webhook "[a-z]+\.kb\.io" does not answer/);
  }
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});

test("Kueue stopped behind webhooks that fail open (failurePolicy Ignore): kaic's queue never becomes Active, NOT-RUN, never PASS", async () => {
  await failOpenWebhooks(kubeconfig, 'kueue');
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['gang_scheduling'], settings });
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  for (const c of r.checks[0]!.cases) assert.match(text(c.outcome as never), /Kueue did not make ClusterQueue \S+ Active within 30s/, c.name);
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});
