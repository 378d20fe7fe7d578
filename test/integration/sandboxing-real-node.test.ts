import { NodeV1Api } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { realNodeCheck } from './real-node-check.js';

// workload_sandboxing on the real node. gVisor's runsc builds here but cannot start a sandbox in
// this machine's VM (docs/decisions/0008-should-checks.md), so the local cluster has no sandbox:
// the check must say so (NOT-RUN), and the sabotaged twin — a RuntimeClass named like gVisor whose
// handler is plain runc — must FAIL, showing the node's own kernel inside the "sandbox".

const rn = realNodeCheck('workload_sandboxing', {});
const { run, cases, text } = rn;

test('with no sandboxed RuntimeClass the check does not run, and says what would make it run', async () => {
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'NOT-RUN');
  assert.match(JSON.stringify(r.checks[0]), /no sandboxed RuntimeClass.*install gVisor or Kata Containers/);
});

test('a RuntimeClass named gvisor whose handler is runc FAILs: the "sandbox" shows the node\'s own kernel', async (t) => {
  const api = rn.cluster.kc.makeApiClient(NodeV1Api);
  await api.createRuntimeClass({ body: { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor' }, handler: 'runc' } });
  t.after(() => api.deleteRuntimeClass({ name: 'gvisor' }));
  const r = await run();
  assert.equal(r.checks[0]!.verdict, 'FAIL');
  assert.equal(cases(r).SandboxPodRuns, 'pass');
  assert.equal(cases(r).SandboxKernelIsNotHost, 'fail');
  assert.match(text(r, 'SandboxKernelIsNotHost'), /it shares the node's kernel: boot id [0-9a-f-]{36} is the node's, kernel \S+ as an ordinary pod on kaic-real-0 shows/);
  // What Kubernetes' namespaces hide from every pod is no evidence of a sandbox.
  assert.equal(cases(r).SandboxSeesNoHost, 'not-run');
  assert.deepEqual(await rn.leftovers(r), []);
});
