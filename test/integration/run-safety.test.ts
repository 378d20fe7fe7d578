import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { rawRequest } from '../../src/cluster/api.js';
import { waitForValue as waitFor } from '../../src/cluster/wait.js';
import { RUN_LABEL } from '../../src/cluster/scope.js';
import { paths } from '../../localcluster/local-cluster.js';
import { clusterRoleYaml } from '../../src/run/rbac.js';
import { CHECKLISTS, tmp } from '../helpers.js';
import { localCluster, testNamespace } from './local-cluster.js';
import { createLabelled, leftovers, spawnKaic } from './run-helpers.js';

test('SIGINT in the middle of a run: exit 130, and zero objects labelled with the run id afterwards', async () => {
  const kc = await localCluster();
  const runId = `int${Date.now().toString(36)}`.slice(0, 12);
  const out = join(tmp(), 'results');
  const p = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', paths().kubeconfig, '--only', 'gang_scheduling,dra_support', '--set', 'gang.window=60s', '--checklist', CHECKLISTS, '--run-id', runId, '-o', out]);
  // Interrupt once the run has pods in the cluster.
  await waitFor(kc, { path: '/api/v1/pods', labelSelector: `${RUN_LABEL}=${runId}` }, 'the run to create pods', (m) => (m.size > 0 ? true : undefined), { timeoutMs: 60_000 });
  assert.ok((await leftovers(paths().kubeconfig, runId)).length > 0, 'the run had created objects');
  p.kill('SIGINT');
  const code = await p.code;
  assert.equal(code, 130, p.stderr());
  assert.match(p.stderr(), /SIGINT: stopping and cleaning up/);
  assert.deepEqual(await leftovers(paths().kubeconfig, runId), []);
  // The interrupted run still reports what it saw, and nothing it did not finish is a PASS.
  const prov = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8')) as { interrupted: boolean; checks: { id: string; verdict: string; cases: { name: string; verdict: string }[] }[] };
  assert.equal(prov.interrupted, true);
  const gang = prov.checks.find((c) => c.id === 'gang_scheduling')!;
  assert.notEqual(gang.verdict, 'PASS');
  assert.equal(gang.cases.find((c) => c.name === 'AllOrNothing')!.verdict, 'not-run');
});

test('a second Ctrl-C quits at once and names the exact cleanup command; that command removes what was left', async () => {
  const kc = await localCluster();
  const runId = `twice${Date.now().toString(36)}`.slice(0, 12);
  const p = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', paths().kubeconfig, '--only', 'gang_scheduling', '--set', 'gang.window=60s', '--checklist', CHECKLISTS, '--run-id', runId, '-o', join(tmp(), 'r')]);
  await waitFor(kc, { path: '/api/v1/pods', labelSelector: `${RUN_LABEL}=${runId}` }, 'the run to create pods', (m) => (m.size > 0 ? true : undefined), { timeoutMs: 60_000 });
  p.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 200));
  p.kill('SIGINT');
  assert.equal(await p.code, 130);
  assert.match(p.stderr(), new RegExp(`kaic cleanup --run ${runId}`));
  assert.doesNotMatch(p.stderr(), /--all/);
  const c = spawnKaic(['cleanup', '--run', runId, '--kubeconfig', paths().kubeconfig]);
  assert.equal(await c.code, 0, c.stderr());
  assert.deepEqual(await leftovers(paths().kubeconfig, runId), []);
});

test('closing stdout (`kaic run --output jsonl | head -1`) stops the run, which still cleans up', async () => {
  const kc = await localCluster();
  const runId = `pipe${Date.now().toString(36)}`.slice(0, 12);
  const p = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', paths().kubeconfig, '--only', 'gang_scheduling', '--set', 'gang.window=60s', '--output', 'jsonl', '--checklist', CHECKLISTS, '--run-id', runId, '-o', join(tmp(), 'r')]);
  await waitFor(kc, { path: '/api/v1/pods', labelSelector: `${RUN_LABEL}=${runId}` }, 'the run to create pods', (m) => (m.size > 0 ? true : undefined), { timeoutMs: 60_000 });
  const started = Date.now();
  p.closeStdout();
  const code = await p.code;
  assert.ok(Date.now() - started < 60_000, 'it stopped long before the 60 s window ended');
  assert.equal(code, 130, p.stderr());
  assert.deepEqual(await leftovers(paths().kubeconfig, runId), []);
});

test('a user holding only the ClusterRole `kaic rbac` prints can run kaic; one without it gets a clear error', async (t) => {
  const kc = await localCluster();
  const ns = await testNamespace(kc, t, 'kaic-rbac');
  const role = parse(clusterRoleYaml('kaic-runner-test')) as Record<string, unknown>;
  await rawRequest(kc, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', role);
  t.after(() => rawRequest(kc, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterroles/kaic-runner-test').catch(() => undefined));
  const tokenFor = async (sa: string) => {
    await rawRequest(kc, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: sa } });
    const tr = (await rawRequest(kc, 'POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } })) as { status: { token: string } };
    return tr.status.token;
  };
  const kubeconfigFor = (token: string) => {
    const main = parse(readFileSync(paths().kubeconfig, 'utf8')) as { clusters: { cluster: { server: string; 'certificate-authority': string } }[] };
    const f = join(tmp(), 'kubeconfig');
    const c = main.clusters[0]!.cluster;
    writeFileSync(f, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${c.server}", certificate-authority: "${c['certificate-authority']}"}}]\nusers: [{name: u, user: {token: "${token}"}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
    return f;
  };
  const runner = await tokenFor('kaic-runner');
  await rawRequest(kc, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { metadata: { name: 'kaic-runner-test' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kaic-runner-test' }, subjects: [{ kind: 'ServiceAccount', name: 'kaic-runner', namespace: ns }] });
  t.after(() => rawRequest(kc, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/kaic-runner-test').catch(() => undefined));

  const out = join(tmp(), 'results');
  const ok = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', kubeconfigFor(runner), '--only', 'dra_support,gang_scheduling,secure_accelerator_access', '--set', 'gang.window=5s', '--checklist', CHECKLISTS, '-o', out]);
  assert.equal(await ok.code, 3, ok.stdout() + ok.stderr());
  assert.match(ok.stdout(), /PASS\s+dra_support/);
  assert.match(ok.stdout(), /PASS\s+gang_scheduling/);
  assert.match(ok.stdout(), /NOT-RUN\s+secure_accelerator_access/, 'NOT-RUN only for the simulated in-container part, never ERROR');
  for (const f of readdirSync(out, { recursive: true }) as string[]) {
    if (f.includes('.')) assert.ok(!readFileSync(join(out, f), 'utf8').includes(runner), `${f} holds the token`);
  }
  assert.ok(!ok.stdout().includes(runner) && !ok.stderr().includes(runner), 'the token is never printed');

  const nobody = await tokenFor('kaic-nobody');
  const denied = spawnKaic(['run', '--version', 'v1.35', '--kubeconfig', kubeconfigFor(nobody), '--only', 'dra_support', '--checklist', CHECKLISTS, '-o', join(tmp(), 'denied')]);
  assert.equal(await denied.code, 2);
  assert.match(denied.stderr(), /^kaic: missing RBAC: .*forbidden.*kaic rbac/m);
  assert.ok(!denied.stderr().includes(nobody));
});

test('kaic cleanup removes what a killed run left behind, and only that run\'s objects', async (t) => {
  await localCluster();
  const kcf = paths().kubeconfig;
  await createLabelled(undefined, kcf, 'deadbeef', '/api/v1/namespaces', { metadata: { name: 'kaic-deadbeef-leftover' } });
  await createLabelled(undefined, kcf, 'deadbeef', '/api/v1/namespaces/kaic-deadbeef-leftover/pods', { metadata: { name: 'stray' }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } });
  await createLabelled(t, kcf, 'cafef00d', '/api/v1/namespaces', { metadata: { name: 'kaic-cafef00d-keep' } });
  const dry = spawnKaic(['cleanup', '--run', 'deadbeef', '--dry-run', '--kubeconfig', kcf]);
  assert.equal(await dry.code, 0, dry.stderr());
  assert.match(dry.stdout(), /Namespace kaic-deadbeef-leftover/);
  assert.match(dry.stdout(), /Pod kaic-deadbeef-leftover\/stray/);
  assert.ok((await leftovers(kcf, 'deadbeef')).length >= 2, 'dry run deletes nothing');
  const real = spawnKaic(['cleanup', '--run', 'deadbeef', '--kubeconfig', kcf]);
  assert.equal(await real.code, 0, real.stderr());
  assert.deepEqual(await leftovers(kcf, 'deadbeef'), []);
  assert.deepEqual(await leftovers(kcf, 'cafef00d'), ['Namespace kaic-cafef00d-keep'], 'another run is left alone');
});
