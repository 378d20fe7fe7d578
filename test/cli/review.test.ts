import assert from 'node:assert/strict';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { reviewSubmission } from '../../src/submission/review.js';
import { CHECKLISTS, SUBMISSIONS, kaic } from '../helpers.js';
import { setReq, validSubmission } from '../fixture-submission.js';

test('kaic review on a real submission: findings, what each MUST rests on, the diff against the previous certification', () => {
  const r = kaic(['review', join(SUBMISSIONS, 'v1.35', 'cce'), '--offline', '--checklist', CHECKLISTS]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /## kaic review: /);
  assert.match(r.stdout, /\| `dra_support` \| Implemented \| \*\*docs only\*\* \|/);
  assert.match(r.stdout, /### Changes since .*v1\.34\/cce\/PRODUCT\.yaml \(v1\.34\)/);
  assert.match(r.stdout, /\| `gpu_sharing` \| added \|/);
  const gh = kaic(['review', join(SUBMISSIONS, 'v1.35', 'cce'), '--offline', '--format', 'github', '--checklist', CHECKLISTS], { env: { GITHUB_STEP_SUMMARY: '' } });
  assert.match(gh.stdout, /^::warning file=.*,title=MUST_DOCS_ONLY::/m);
  assert.match(gh.stdout, /^::notice file=.*::dra_support \(MUST\) rests on docs only/m);
});

test('review: answers changed, evidence removed, levels and descriptions edited since the previous version; test reports ranked first', async () => {
  const prev = validSubmission('v1.36');
  const root = join(prev.dir, '..', '..');
  const cur = validSubmission('v1.37', (doc) => {
    setReq(doc, 'gang_scheduling', 'status', 'Partially Implemented');
    setReq(doc, 'pod_autoscaling', 'evidence', ['https://docs.acme.test/hpa']);
    setReq(doc, 'ai_inference', 'level', 'SHOULD');
    setReq(doc, 'robust_controller', 'description', 'Edited.');
    setReq(doc, 'accelerator_metrics', 'evidence', ['results.json']);
  }, { 'results.json': '{"Action":"run","Test":"TestAcceleratorMetrics"}\n{"Action":"pass","Test":"TestAcceleratorMetrics"}\n' });
  mkdirSync(join(root, 'v1.37'), { recursive: true });
  cpSync(cur.dir, join(root, 'v1.37', 'acme'), { recursive: true });
  const r = await reviewSubmission(join(root, 'v1.37', 'acme'), { checklist: CHECKLISTS, offline: true });
  assert.equal(r.previous?.version, 'v1.36');
  const changes = r.previous!.changes.map((c) => `${c.id} ${c.what}`);
  for (const want of ['gang_scheduling status', 'pod_autoscaling evidence removed', 'ai_inference level', 'robust_controller description']) assert.ok(changes.includes(want), `${want}: ${changes.join(', ')}`);
  const support = Object.fromEntries(r.musts.map((m) => [m.id, m.support]));
  assert.equal(support.accelerator_metrics, 'test report');
  assert.equal(support.pod_autoscaling, 'docs only');
  assert.equal(support.cluster_autoscaling, 'test write-up');
});
