import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { analyze, evidenceKind } from '../../src/analyze/analysis.js';
import { loadSubmissions } from '../../src/analyze/load.js';
import { mentions } from '../../src/analyze/aliases.js';
import { CHECKLISTS, SUBMISSIONS, allSubmissions } from '../helpers.js';

type Raw = { metadata?: Record<string, unknown>; spec?: Record<string, { id: string; status?: string; evidence?: unknown; notes?: string }[]> };
const raw = allSubmissions().map((f) => ({ path: relative(SUBMISSIONS, f), version: /v\d+\.\d+/.exec(f)![0], doc: parse(readFileSync(f, 'utf8')) as Raw }));
const reqOf = (d: Raw, id: string) => Object.values(d.spec ?? {}).flat().find((r) => r?.id === id);
const analysisP = loadSubmissions(SUBMISSIONS, { checklist: CHECKLISTS }).then(analyze);

test('every submission in the corpus is read, the odd ones included', async () => {
  const a = await analysisP;
  assert.equal(a.submissions, raw.length);
  assert.deepEqual(a.unreadable, []);
  assert.equal(a.summary.reduce((n, s) => n + s.submissions, 0), raw.length);
});

test('implementation rates match counts taken straight from the YAML', async () => {
  const a = await analysisP;
  for (const [version, id] of [['v1.33', 'dra_support'], ['v1.34', 'cluster_autoscaling'], ['v1.35', 'gpu_sharing'], ['v1.35', 'virtualized_accelerator']] as const) {
    const subs = raw.filter((r) => r.version === version);
    const implemented = subs.filter((r) => (reqOf(r.doc, id)?.status ?? '').trim() === 'Implemented').length;
    const na = subs.filter((r) => (reqOf(r.doc, id)?.status ?? '').trim() === 'N/A').length;
    const rate = a.rates.find((r) => r.version === version && r.id === id)!;
    assert.equal(rate.total, subs.length, `${version} ${id} total`);
    assert.equal(rate.counts.implemented, implemented, `${version} ${id} implemented`);
    assert.equal(rate.counts.na, na, `${version} ${id} N/A`);
  }
});

test('full-MUST conformance per version matches the YAML', async () => {
  const a = await analysisP;
  const musts: Record<string, string[]> = {
    'v1.33': ['ai_inference', 'gang_scheduling', 'cluster_autoscaling', 'pod_autoscaling', 'accelerator_metrics', 'ai_service_metrics', 'secure_accelerator_access', 'robust_controller'],
  };
  musts['v1.34'] = ['dra_support', ...musts['v1.33']!];
  musts['v1.35'] = musts['v1.34']!;
  for (const s of a.summary) {
    const full = raw.filter((r) => r.version === s.version && musts[s.version]!.every((id) => (reqOf(r.doc, id)?.status ?? '').trim() === 'Implemented')).length;
    assert.equal(s.fullMust, full, s.version);
  }
});

test('component adoption: Kueue for gang scheduling, Karpenter for cluster autoscaling, counted independently', async () => {
  const a = await analysisP;
  for (const [component, id, re] of [['kueue', 'gang_scheduling', /kueue/i], ['karpenter', 'cluster_autoscaling', /karpenter/i], ['dcgm', 'accelerator_metrics', /dcgm/i]] as const) {
    const expected = raw.filter((r) => {
      const q = reqOf(r.doc, id);
      return q && re.test(`${q.notes ?? ''} ${Array.isArray(q.evidence) ? q.evidence.join(' ') : String(q.evidence ?? '')}`);
    }).length;
    const got = a.adoption.find((c) => c.id === component)!;
    assert.equal(got.byRequirement[id], expected, `${component} in ${id}`);
  }
});

test('the alias table matches the spellings vendors use, on word boundaries', () => {
  assert.deepEqual(mentions('We use Kueue v0.9 and the NVIDIA GPU Operator with DCGM-Exporter').sort(), ['dcgm', 'gpu-operator', 'kueue']);
  assert.deepEqual(mentions('https://github.com/kubernetes-sigs/lws'), ['lws']);
  assert.deepEqual(mentions('always'), [], '"lws" inside a word is not LeaderWorkerSet');
  assert.deepEqual(mentions('KubeRay operator (RayJob)').sort(), ['kuberay']);
  assert.equal(evidenceKind('file://results/junit.xml#TestGangScheduling'), 'artifact');
  assert.equal(evidenceKind('junit_01.xml'), 'artifact');
  assert.equal(evidenceKind('see secure_accelerator_access.md'), 'file');
  assert.equal(evidenceKind(''), 'empty');
});

test('trends: vendors present in several versions, and answers that changed', async () => {
  const a = await analysisP;
  const keys = new Map<string, Set<string>>();
  for (const r of raw) {
    const k = r.path.split('/')[1]!.toLowerCase();
    keys.set(k, new Set([...(keys.get(k) ?? []), r.version]));
  }
  assert.deepEqual(a.trends.recertified.map((r) => r.key).sort(), [...keys].filter(([, v]) => v.size > 1).map(([k]) => k).sort());
  const dao = a.trends.changes.filter((c) => c.key === 'daocloud' && c.from === 'v1.33');
  assert.deepEqual(dao.map((c) => `${c.id}:${c.before}->${c.after}`).sort(), ['cluster_autoscaling:N/A->Implemented', 'dra_support:N/A->Implemented']);
});

test('the word hints that speed up component matching never change what it finds', async () => {
  const { COMPONENTS } = await import('../../src/analyze/aliases.js');
  const plain = (t: string) => COMPONENTS.filter((c) => c.patterns.some((p) => p.test(t))).map((c) => c.id);
  for (const r of raw) for (const q of Object.values(r.doc.spec ?? {}).flat()) {
    const text = `${q?.notes ?? ''}\n${Array.isArray(q?.evidence) ? q.evidence.join('\n') : String(q?.evidence ?? '')}`;
    assert.deepEqual(mentions(text), plain(text), `${r.path} ${q?.id}`);
  }
});
