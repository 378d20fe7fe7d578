import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nodeConfig, paths } from '../../localcluster/local-cluster.js';
import { setTwin } from '../../localcluster/real-node.js';
import { runSuite } from '../../src/run/suite.js';
import { realNodeCluster, type RealNodeCluster } from './local-cluster.js';
import { checklist, leftovers } from './run-helpers.js';

// ai_service_metrics on the real node, against a real Prometheus (built from its module) that
// discovers pods through the API server by their prometheus.io annotations. Twins: a Prometheus
// without pod discovery (kaic cannot register the workload: not PASS), and one that scrapes the
// wrong port (the target is down: FAIL, with Prometheus's own error).

let cluster: RealNodeCluster;
before(async () => {
  cluster = await realNodeCluster();
});
after(() => cluster?.release());

type Run = Awaited<ReturnType<typeof runSuite>>;
const cases = (r: Run) => Object.fromEntries(r.checks[0]!.cases.map((c) => [c.name, c.outcome.verdict]));
const text = (r: Run, name: string) => JSON.stringify(r.checks[0]!.cases.find((c) => c.name === name)!.outcome);
const run = async () => runSuite({ checklist: await checklist('v1.37'), kubeconfig: paths(cluster.name).kubeconfig, only: ['ai_service_metrics'] });

test('exactly the requests sent are counted by Prometheus, with the histogram and the queue gauge', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', JSON.stringify(r.checks[0]!.cases.map((c) => [c.name, c.outcome]), null, 1));
  assert.match(text(r, 'ExactRequestCount'), /sent 20 requests; the workload counted 20; Prometheus reports kaic_inference_requests_total\{kaic_run=\\"[^"\\]+\\"\} = 20, still 20 one scrape later/);
  assert.match(text(r, 'HistogramAndQueueGauge'), /count 20/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});

test('a Prometheus without pod discovery cannot be given the workload: not run, with what would make it run', async (t) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, { prometheus: 'no-pod-discovery' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.match(text(r, 'TargetDiscovered'), /no pod discovery by the prometheus\.io\/scrape annotation.*--fixture scrape=FILE/);
});

test('a Prometheus whose target for the workload is down FAILs, with its own error', async (t) => {
  const cfg = nodeConfig(cluster.name);
  t.after(() => setTwin(cfg, {}));
  await setTwin(cfg, { prometheus: 'wrong-port' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).TargetDiscovered, 'fail');
  assert.match(text(r, 'TargetDiscovered'), /target http:\/\/[\d.]+:1\/cgi-bin\/metrics is down: .*connection refused/);
  assert.deepEqual(await leftovers(paths(cluster.name).kubeconfig, r.runId), []);
});
