import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KObject } from '../../src/checks/api.js';
import { kueueQuotaReason, kueueVersion, kueueWord } from '../../src/checks/profiles/gang-kueue.js';
import { ROOT } from '../helpers.js';

// Workloads recorded from Kueue v0.17.0 on the local cluster (the gang_scheduling evidence).
const recorded = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'kueue', 'workloads-v0.17.0.json'), 'utf8')) as Record<'pending' | 'admitted', KObject>;

test("Kueue's word on a gang: its pending Workload's quota reason holds it back as a gang; an admitted one took it", () => {
  const held = kueueWord(recorded.pending, 'too-big');
  assert.equal(held.kind, 'held');
  assert.match(held.text, /insufficient quota for nvidia\.com\/gpu .* > maximum capacity \(32\)/);
  assert.equal(kueueWord(recorded.admitted, 'fits').kind, 'taken');
});

test('a Job Kueue never took in, or a Workload pending for a reason any queue gives, is not a gang held back', () => {
  assert.equal(kueueWord(undefined, 'too-big').kind, 'unseen');
  // The same Workload before Kueue judged it: no QuotaReserved condition.
  assert.equal(kueueWord({ ...recorded.pending, status: { conditions: [] } }, 'too-big').kind, 'unseen');
  // A queue that does not cover what the members ask for, or is not active, says nothing about gangs.
  for (const message of ["couldn't assign flavors to pod set main: resource cpu unavailable in ClusterQueue", "ClusterQueue kaic-x is inactive", "LocalQueue too-big doesn't exist"]) {
    const w = kueueWord({ ...recorded.pending, status: { conditions: [{ type: 'QuotaReserved', status: 'False', reason: 'Pending', message }] } }, 'too-big');
    assert.equal(w.kind, 'generic', message);
  }
  // Quota reserved but not yet admitted (an admission check pending) counts as taken: kaic must not call it held.
  assert.equal(kueueWord({ ...recorded.pending, status: { conditions: [{ type: 'QuotaReserved', status: 'True', reason: 'QuotaReserved', message: 'Quota reserved' }] } }, 'too-big').kind, 'taken');
  assert.equal(kueueQuotaReason('insufficient unused quota for nvidia.com/gpu in flavor f, 8 more needed'), true);
});

test('kaic speaks the newest Kueue API the cluster serves for all four kinds it uses', () => {
  const serving = (versions: Record<string, string[]>) => ({ serves: (gv: string, plural: string) => versions[gv]?.includes(plural) ?? false }) as never;
  const all = ['resourceflavors', 'clusterqueues', 'localqueues', 'workloads'];
  assert.equal(kueueVersion(serving({ 'kueue.x-k8s.io/v1beta2': all, 'kueue.x-k8s.io/v1beta1': all })), 'v1beta2');
  assert.equal(kueueVersion(serving({ 'kueue.x-k8s.io/v1beta1': all })), 'v1beta1');
  assert.equal(kueueVersion(serving({ 'kueue.x-k8s.io/v1beta2': ['workloads'] })), undefined);
});

test('a webhook that does not answer is named, admission or conversion; any other 500 is not a webhook', async () => {
  const { ApiError, failedWebhook } = await import('../../src/cluster/api.js');
  const { classify } = await import('../../src/run/classify.js');
  const admission = new ApiError(500, 'POST', '/apis/kueue.x-k8s.io/v1beta2/resourceflavors', 'Internal error occurred: failed calling webhook "mresourceflavor.kb.io": failed to call webhook: Post "https://127.0.0.1:38257/mutate": dial tcp 127.0.0.1:38257: connect: connection refused');
  const conversion = new ApiError(500, 'GET', '/apis/kueue.x-k8s.io/v1beta2/workloads', 'conversion webhook for kueue.x-k8s.io/v1beta1, Kind=Workload failed: Post "https://127.0.0.1:1/convert": connection refused');
  assert.equal(failedWebhook(admission), 'mresourceflavor.kb.io');
  assert.equal(failedWebhook(conversion), 'conversion webhook for kueue.x-k8s.io/v1beta1');
  assert.equal(failedWebhook(new ApiError(500, 'GET', '/api/v1/pods', 'etcdserver: request timed out')), undefined);
  const o = classify(admission, { interrupted: false, timedOut: false, timeoutMs: 1 }) as { verdict: string; reason?: string; detail: string };
  assert.deepEqual([o.verdict, o.reason], ['not-run', 'missing-component']);
  assert.match(o.detail, /admission webhook "mresourceflavor\.kb\.io" does not answer/);
});
