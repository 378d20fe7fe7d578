import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// pod_autoscaling on the real node: Prometheus (built from its module) scrapes kaic's pods,
// prometheus-adapter (built from its module) serves custom.metrics.k8s.io, and the real
// kube-controller-manager's HPA scales a Deployment of accelerator pods out and back in. Twins: the
// adapter down behind its registered APIService, and the metric never reaching Prometheus.

const rn = realNodeCheck('pod_autoscaling', { accelerator: 'example' });
const { run, text } = rn;

test('the HPA scales accelerator pods out on a custom metric, and back in', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'PASS', rn.outcomes(r));
  assert.match(text(r, 'ScalesOutOnAccelerators'), /scaled out from 1 to 3 running pods, each holding an accelerator on kaic-real-0/);
  assert.deepEqual(await rn.leftovers(r), []);
});

test('an adapter that is down behind its registered APIService is not a PASS, and says so', async (t) => {
  await rn.twin(t, { adapterDown: true });
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.match(JSON.stringify(r.checks[0]), /custom\.metrics\.k8s\.io is registered but not available: v1beta1\.custom\.metrics\.k8s\.io → monitoring\/prometheus-adapter/);
});

test('a metric that never reaches the adapter is not a PASS', async (t) => {
  await rn.twin(t, { prometheus: 'no-pod-discovery' });
  // Long enough for several scrapes, adapter relists (10 s here) and HPA syncs (15 s).
  const r = await run({ 'autoscaling.timeout': '60s' });
  assert.notEqual(r.checks[0]!.verdict, 'PASS');
  assert.match(text(r, 'CustomMetricServed'), /the HPA cannot read kaic_load: .*which this Prometheus does not discover/);
  assert.deepEqual(await rn.leftovers(r), []);
});
