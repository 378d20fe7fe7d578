import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { GANG_SOLVERS } from '../../src/checks/profiles/gang.js';
import { volcanoGangReason, volcanoWord } from '../../src/checks/profiles/gang-volcano.js';
import { ROOT } from '../helpers.js';

// Volcano cannot be built here (the module proxy refuses volcano.sh/volcano), so its part of the
// gang proof is tested on PodGroups and messages Volcano wrote on real clusters (the fixture's _source).
const recorded = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'volcano', 'podgroups.json'), 'utf8'));
const pod = (name: string, node?: string, message?: string): V1Pod => ({ metadata: { name }, spec: { containers: [], ...(node ? { nodeName: node } : {}) }, status: message ? { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } : {} });
const pending = (n: number, message?: string) => Array.from({ length: n }, (_, i) => pod(`too-big-${i}`, undefined, message));

test("Volcano's word: a PodGroup it marks Unschedulable for the gang's tasks holds the gang back, in both message formats", () => {
  for (const key of ['heldOld', 'heldNew']) {
    const w = volcanoWord(recorded[key], pending(5), 'too-big');
    assert.equal(w.kind, 'held', key);
    assert.match(w.text, /tasks in gang unschedulable/);
  }
  // Before the PodGroup's condition is written, the same message on the members is Volcano's too.
  const fromPods = volcanoWord({ ...recorded.heldNew, status: { phase: 'Pending' } }, pending(10, recorded.podMessage), 'too-big');
  assert.equal(fromPods.kind, 'held');
  assert.match(fromPods.text, /^Volcano on the members: "10\/10 tasks in gang unschedulable/);
});

test('a Running PodGroup, or every member bound, is a gang Volcano took; a partly running one with its gang message is still held (the proof fails it on the bound pods)', () => {
  assert.equal(volcanoWord(recorded.running, pending(12), 'fits').kind, 'taken');
  assert.equal(volcanoWord(recorded.heldNew, [pod('a', 'n1'), pod('b', 'n2')], 'fits').kind, 'taken');
  assert.equal(volcanoWord(recorded.partlyRunning, [pod('a', 'n1'), pod('b', 'n2'), pod('c')], 'mpi').kind, 'held');
});

test('a PodGroup Volcano never judged, or judged for a reason any scheduler gives, is not a gang held back', () => {
  const unseen = volcanoWord({ ...recorded.heldNew, status: { phase: 'Pending' } }, pending(3), 'too-big');
  assert.equal(unseen.kind, 'unseen');
  assert.match(unseen.text, /is vc-scheduler running/);
  assert.equal(volcanoWord(undefined, [], 'too-big').kind, 'unseen');
  const generic = volcanoWord({ ...recorded.heldNew, status: { phase: 'Pending' } }, pending(3, '0/6 nodes are available: 6 Insufficient nvidia.com/gpu.'), 'too-big');
  assert.equal(generic.kind, 'generic');
  assert.equal(volcanoGangReason('0/6 nodes are available: 6 Insufficient nvidia.com/gpu.'), false);
});

test('Volcano is proven ahead of native gangs (a cluster that runs it chose it), after Kueue', () => {
  assert.deepEqual(GANG_SOLVERS.map((g) => g.name).slice(0, 3), ['kueue', 'volcano', 'native']);
  assert.ok(GANG_SOLVERS.find((g) => g.name === 'volcano')!.submit);
});
