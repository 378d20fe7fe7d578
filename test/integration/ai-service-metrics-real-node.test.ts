import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// ai_service_metrics on the real node, against a real Prometheus (built from its module) that
// discovers pods through the API server by their prometheus.io annotations. Twins: a Prometheus
// without pod discovery (kaic cannot register the workload: not PASS), and one that scrapes the
// wrong port (the target is down: FAIL, with Prometheus's own error).

const rn = realNodeCheck('ai_service_metrics', {});
const { run, cases, text } = rn;

test('exactly the requests sent are counted by Prometheus, with the histogram and the queue gauge', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'ExactRequestCount'), /sent 20 requests; the workload counted 20; Prometheus reports kaic_inference_requests_total\{kaic_run=\\"[^"\\]+\\"\} = 20, still 20 one scrape later/);
  assert.match(text(r, 'HistogramAndQueueGauge'), /count 20/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('a Prometheus without pod discovery cannot be given the workload: not run, with what would make it run', async (t) => {
  await rn.twin(t, { prometheus: 'no-pod-discovery' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.match(text(r, 'TargetDiscovered'), /no pod discovery by the prometheus\.io\/scrape annotation.*--fixture scrape=FILE/);
});

test('a Prometheus whose target for the workload is down FAILs, with its own error', async (t) => {
  await rn.twin(t, { prometheus: 'wrong-port' });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).TargetDiscovered, 'fail');
  assert.match(text(r, 'TargetDiscovered'), /target http:\/\/[\d.]+:1\/cgi-bin\/metrics is down: .*connection refused/);
  assert.deepEqual(await rn.leftovers(r), []);
});
