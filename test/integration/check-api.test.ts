import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defineCheck, type Check } from '../../src/checks/api.js';
import { restrictedPod } from '../../src/checks/support/pods.js';
import { paths } from '../../localcluster/local-cluster.js';
import { writeArtifacts } from '../../src/run/artifacts.js';
import { runSuite } from '../../src/run/suite.js';
import { tmp } from '../helpers.js';
import { localCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

// The check API the next checks are written on, end to end against the real API server: a check
// made of nothing but scope calls, under a real requirement id so the engine plans it.
const probe = defineCheck({
  id: 'ai_service_metrics',
  testName: 'TestCheckApi',
  summary: 'exercises the scope',
  cases: ['FixtureApplied', 'AnyKindApplied', 'ConditionAwaited', 'Polled', 'DryRunRefused', 'ExpectedTimeoutIsFail'],
  uses: [{ group: '', resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }, { group: 'batch', resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }],
  settings: {},
  images: ['pause'],
  timeoutMs: 120_000,
  discover: async () => ({ ready: true, env: {}, found: { scope: 'exercised' } }),
  async prove(_env, s) {
    await s.case('FixtureApplied', async (c) => {
      const objs = await s.fixture('glue', { greeting: 'hello' });
      const cm = await s.get<{ data: Record<string, string> }>({ apiVersion: 'v1', kind: 'ConfigMap', name: 'glue' });
      if (!objs || cm?.data.greeting !== 'hello' || cm.data.where !== s.namespace) return c.fail('the fixture templated and applied', JSON.stringify(cm));
      c.pass(`fixture applied: ${JSON.stringify(cm.data)}`);
    });
    const job = (name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name }, spec: { completions: 2, parallelism: 2, template: { metadata: { annotations: { 'kaic.dev/complete-after': '1s' } }, spec: restrictedPod({ containers: [{ name: 'm', image: s.images.pause }] }) } } });
    await s.case('AnyKindApplied', async (c) => {
      await s.apply(job('two'));
      const jobs = await s.list({ apiVersion: 'batch/v1', kind: 'Job' });
      if (jobs.length !== 1) return c.fail('one Job listed', `${jobs.length}`);
      c.pass('a batch/v1 Job applied through discovery and listed');
    });
    await s.case('ConditionAwaited', async (c) => {
      // The previous case's Job was removed when that case ended.
      if ((await s.get({ apiVersion: 'batch/v1', kind: 'Job', name: 'two' })) !== undefined) return c.fail('the previous case\'s objects are gone', 'Job two is still there');
      await s.apply(job('three'));
      const done = await s.waitForCondition({ apiVersion: 'batch/v1', kind: 'Job', name: 'three' }, 'Complete', { timeoutMs: 60_000 });
      if (!done.ok) return c.fail('Job three completes', done.message);
      c.pass('Job three Complete=True');
    });
    await s.case('Polled', async (c) => {
      let n = 0;
      const r = await s.poll('the third call', async () => (++n >= 3 ? n : undefined), { intervalMs: 50, timeoutMs: 5_000 });
      if (!r.ok) return c.fail('poll returns on the third call', r.message);
      c.pass(`poll returned ${r.value}`);
    });
    await s.case('DryRunRefused', async (c) => {
      const bad = await s.dryRun({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root' }, spec: { containers: [{ name: 'c', image: s.images.pause }] } });
      if (bad.allowed) return c.fail('the restricted namespace refuses a pod that may run as root', 'allowed');
      const good = await s.dryRun({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: restrictedPod({ containers: [{ name: 'c', image: s.images.pause }] }) });
      if (!good.allowed) return c.fail('a restricted pod is allowed', good.message);
      if ((await s.get({ apiVersion: 'v1', kind: 'Pod', name: 'ok' })) !== undefined) return c.fail('a dry run creates nothing', 'pod ok exists');
      c.pass(`refused with ${bad.status}: ${bad.message.slice(0, 80)}…; the restricted pod allowed and not created`);
    });
    await s.case('ExpectedTimeoutIsFail', async (c) => {
      const r = await s.waitFor({ apiVersion: 'v1', kind: 'ConfigMap', fieldSelector: 'metadata.name=never' }, 'a ConfigMap that never comes', (m) => (m.size ? true : undefined), { timeoutMs: 1_500 });
      if (r.ok) return c.fail('nothing', 'it came');
      c.fail('(on purpose) the awaited ConfigMap', r.message);
    });
  },
});

test('the check API: fixtures, any kind through discovery, conditions, polling, server-side dry run; only the awaited behaviour\'s timeout is a FAIL; the procedure is what was created', async () => {
  await localCluster();
  const fixture = join(tmp(), 'glue.yaml');
  writeFileSync(fixture, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: glue\ndata:\n  greeting: "{{ greeting }}"\n  where: "{{namespace}}"\n');
  const r = await runSuite({ checklist: await checklist(), kubeconfig: paths().kubeconfig, only: ['ai_service_metrics'], checks: new Map([[probe.id, probe as Check]]), fixtures: { glue: fixture } });
  const c = r.checks[0]!;
  assert.deepEqual(c.cases.map((x) => [x.name, x.outcome.verdict]), [['FixtureApplied', 'pass'], ['AnyKindApplied', 'pass'], ['ConditionAwaited', 'pass'], ['Polled', 'pass'], ['DryRunRefused', 'pass'], ['ExpectedTimeoutIsFail', 'fail']], JSON.stringify(c.cases.map((x) => x.outcome)));
  assert.match((c.cases.at(-1)!.outcome as { observed: string }).observed, /timed out after 2s waiting for a ConfigMap that never comes; last seen: nothing/);
  assert.deepEqual(c.created.filter((o) => o.kind !== 'Namespace').map((o) => `${o.kind}/${o.name}`), ['ConfigMap/glue', 'Job/two', 'Job/three']);
  assert.deepEqual(c.leaked, []);
  assert.deepEqual(await leftovers(paths().kubeconfig, r.runId), []);
  const out = join(tmp(), 'out');
  await writeArtifacts(out, r, await checklist(), {});
  const proc = readFileSync(join(out, 'evidence', 'ai_service_metrics', 'test_procedure.sh'), 'utf8');
  assert.match(proc, /# --- case FixtureApplied\nkubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap/);
  assert.match(proc, /where: \$\{NS\}|where: "\$\{NS\}"/);
  assert.match(proc, /kind: Job[\s\S]*completions: 2/);
});
