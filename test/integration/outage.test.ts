import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawRequest } from '../../src/cluster/api.js';
import { loadKubeConfig } from '../../src/cluster/connect.js';
import { RUN_LABEL } from '../../src/cluster/scope.js';
import { waitForValue } from '../../src/cluster/wait.js';
import { restartComponent } from '../../localcluster/restart.js';
import { CHECKLISTS, tmp } from '../helpers.js';
import { leftovers, spawnKaic, twinCluster } from './run-helpers.js';

test('the API server stops for 15 s in the middle of a run: no false verdict, and zero leftovers once it is back', async (t) => {
  const name = 'kaic-outage';
  // A single control plane without leader election, as a supervised one behaves: the controller
  // manager and scheduler ride the outage out instead of exiting on a lost lease.
  const kubeconfig = await twinCluster(t, name, { extraArgs: ['kube-controller-manager=leader-elect=false', 'kube-scheduler=leader-elect=false'] });
  const kc = loadKubeConfig({ kubeconfig });
  // The twin's controllers are up (a namespace can be created and deleted) before the fault.
  await rawRequest(kc, 'POST', '/api/v1/namespaces', { metadata: { name: 'settle' } });
  await waitForValue(kc, { path: '/api/v1/namespaces/settle/serviceaccounts' }, 'the default ServiceAccount', (m) => (m.size ? true : undefined), { timeoutMs: 60_000 });
  await rawRequest(kc, 'DELETE', '/api/v1/namespaces/settle');
  await waitForValue(kc, { path: '/api/v1/namespaces', fieldSelector: 'metadata.name=settle' }, 'namespace settle to be deleted', (m) => (m.size === 0 ? true : undefined), { timeoutMs: 60_000 });
  const runId = `out${Date.now().toString(36)}`.slice(0, 12);
  const out = join(tmp(), 'results');
  const p = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', kubeconfig, '--only', 'dra_support,gang_scheduling,secure_accelerator_access', '--set', 'gang.window=20s', '--checklist', CHECKLISTS, '--run-id', runId, '-o', out]);
  await waitForValue(kc, { path: '/api/v1/pods', labelSelector: `${RUN_LABEL}=${runId}` }, 'the run to create pods', (m) => (m.size > 0 ? true : undefined), { timeoutMs: 60_000 });
  const outage = await restartComponent('kube-apiserver', 15_000, name);
  assert.ok(outage.upAt - outage.downAt >= 15_000);
  const code = await p.code;
  // The cluster is correct: whatever the outage cost, nothing may be reported as FAIL.
  assert.ok(code === 0 || code === 3, `exit ${code} (0 or 3 expected, never 1)\n${p.stdout()}\n${p.stderr()}`);
  const prov = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8')) as { checks: { id: string; verdict: string; cases: { name: string; verdict: string }[] }[]; leaked: string[] };
  for (const c of prov.checks) assert.ok(c.cases.every((x) => x.verdict !== 'fail'), `${c.id}: ${JSON.stringify(c.cases)}`);
  assert.deepEqual(prov.leaked, [], 'the run removed everything itself, after the API came back');
  assert.deepEqual(await leftovers(kubeconfig, runId), []);
});
