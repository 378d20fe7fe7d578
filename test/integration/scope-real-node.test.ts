import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { defineCheck, type Check } from '../../src/checks/api.js';
import { restrictedPod } from '../../src/checks/support/pods.js';
import { paths } from '../../localcluster/local-cluster.js';
import { runSuite } from '../../src/run/suite.js';
import { onRealNode, realNodeCluster, type RealNodeCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

// The scope's pod logs against a real kubelet: what a container has printed so far, read while it
// runs. A container that has printed nothing yet has an empty log, which the API server sends as an
// empty body (a probe polled for its output read that as no log at all, and threw: a CI run caught
// high_performance_networking's cases turned into ERRORs by it).
let cluster: RealNodeCluster | undefined;
before(async () => {
  cluster = await realNodeCluster();
});
after(() => cluster?.release());

const probe = defineCheck({
  id: 'ai_service_metrics',
  testName: 'TestScopeLogs',
  summary: 'reads pod logs through the scope',
  cases: ['NothingPrintedYet', 'PrintedLines'],
  uses: [{ group: '', resources: ['pods'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }, { group: '', resources: ['pods/log'], verbs: ['get'] }],
  settings: {},
  images: ['probe'],
  timeoutMs: 120_000,
  discover: async () => ({ ready: true, env: {}, found: { scope: 'logs' } }),
  async prove(_env, s) {
    const read = async (name: string, script: string) => {
      await s.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: restrictedPod({ ...onRealNode({ containers: [] }), containers: [{ name: 'main', image: s.images.probe, command: ['sh', '-c', script] }] }) });
      const up = await s.waitForPods([name], 'Running', 60_000);
      if (!up.ok) throw new Error(`${name} never ran: ${up.message}`);
      return s.logs(name, 'main');
    };
    await s.case('NothingPrintedYet', async (c) => {
      const log = await read('quiet', 'sleep 3600');
      return log === '' ? c.pass('an empty string') : c.fail('an empty string', JSON.stringify(log));
    });
    await s.case('PrintedLines', async (c) => {
      const log = await read('talks', 'echo one; echo two; sleep 3600');
      const r = await s.poll('both lines', async () => ((await s.logs('talks', 'main')) === 'one\ntwo\n' ? true : undefined), { intervalMs: 200, timeoutMs: 10_000 });
      return r.ok ? c.pass(`first read ${JSON.stringify(log)}, then both lines`) : c.fail('"one\\ntwo\\n"', JSON.stringify(await s.logs('talks', 'main')));
    });
  },
});

test('pod logs: a running container that has printed nothing has an empty log, never none; printed lines read back as printed', async () => {
  const kubeconfig = paths(cluster!.name).kubeconfig;
  const r = await runSuite({ checklist: await checklist('v1.37'), kubeconfig, only: ['ai_service_metrics'], checks: new Map([[probe.id, probe as Check]]) });
  const c = r.checks[0]!;
  assert.deepEqual(
    c.cases.map((x) => [x.name, x.outcome.verdict]),
    [
      ['NothingPrintedYet', 'pass'],
      ['PrintedLines', 'pass'],
    ],
    JSON.stringify(c.cases.map((x) => x.outcome)),
  );
  assert.deepEqual(await leftovers(kubeconfig, r.runId), []);
});
