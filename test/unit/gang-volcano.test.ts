import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { GANG_SOLVERS } from '../../src/checks/profiles/gang.js';
import { volcanoGangCount, volcanoWord } from '../../src/checks/profiles/gang-volcano.js';
import { ROOT } from '../helpers.js';

// Volcano cannot be built here (the module proxy refuses volcano.sh/volcano), so its part of the
// gang proof is tested on PodGroups and messages Volcano wrote on real clusters (the fixture's _source).
const recorded = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'volcano', 'podgroups.json'), 'utf8'));
const pod = (name: string, opts: { node?: string; message?: string; scheduler?: string } = {}): V1Pod => ({
  metadata: { name },
  spec: { containers: [], schedulerName: opts.scheduler ?? 'volcano', ...(opts.node ? { nodeName: opts.node } : {}) },
  status: opts.message ? { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: opts.message }] } : {},
});
const pending = (n: number, message?: string) => Array.from({ length: n }, (_, i) => pod(`too-big-${i}`, message ? { message } : {}));

test("Volcano holds a gang as a gang only when it could place some of its members and placed none: X/Y with X < Y over the whole gang", () => {
  assert.deepEqual(volcanoGangCount(recorded.heldNew.status.conditions[0].message), { unplaced: 3, of: 6 });
  const w = volcanoWord(recorded.heldNew, pending(6), 'too-big', 6);
  assert.equal(w.kind, 'held');
  assert.match(w.text, /^PodGroup too-big Inqueue: "3\/6 tasks in gang unschedulable/);
  // The same message on the members, before the PodGroup's condition is written, is Volcano's too.
  const fromPods = volcanoWord({ ...recorded.heldNew, status: { phase: 'Inqueue' } }, pending(6, recorded.podMessagePartly), 'too-big', 6);
  assert.equal(fromPods.kind, 'held');
  assert.match(fromPods.text, /^Volcano on the members: "3\/6 tasks/);
});

test('the same message for a job that is merely not ready (every member unplaced, another count, the old format) is no gang verdict', () => {
  // "1/0 tasks … 0 nodes are available": nothing fits anywhere, which any scheduler would say.
  assert.equal(volcanoWord(recorded.heldOld, pending(1), 'too-big', 1).kind, 'generic');
  assert.equal(volcanoWord({ ...recorded.heldNew, status: { phase: 'Inqueue' } }, pending(10, recorded.podMessageAllUnplaced), 'too-big', 10).kind, 'generic');
  // The gang Volcano counted is not the gang kaic made (6 of them, but kaic submitted 5).
  assert.equal(volcanoWord(recorded.heldNew, pending(5), 'too-big', 5).kind, 'generic');
});

test('a gang Volcano took: every member bound by Volcano and the PodGroup Running; bound by another scheduler, or not yet Running, is not Volcano\'s word', () => {
  const bound = (scheduler?: string) => Array.from({ length: 12 }, (_, i) => pod(`fits-${i}`, { node: `n${i % 3}`, ...(scheduler ? { scheduler } : {}) }));
  assert.equal(volcanoWord(recorded.running, bound(), 'fits', 12).kind, 'taken');
  const other = volcanoWord(recorded.running, bound('default-scheduler'), 'fits', 12);
  assert.equal(other.kind, 'generic');
  assert.match(other.text, /bound by another scheduler \(default-scheduler\), not Volcano/);
  assert.match(volcanoWord(recorded.heldNew, bound(), 'fits', 12).text, /not Running/);
  // Partly running with the gang message: the proof fails it on the bound pods, whatever the word.
  assert.notEqual(volcanoWord(recorded.partlyRunning, [pod('a', { node: 'n1' }), pod('b', { node: 'n2' }), pod('c')], 'mpi', 3).kind, 'taken');
});

test('a PodGroup Volcano never judged, or judged for a reason any scheduler gives, is not a gang held back', () => {
  const unseen = volcanoWord({ ...recorded.heldNew, status: { phase: 'Inqueue' } }, pending(3), 'too-big', 3);
  assert.equal(unseen.kind, 'unseen');
  assert.match(unseen.text, /is vc-scheduler running/);
  assert.equal(volcanoWord(undefined, [], 'too-big', 3).kind, 'unseen');
  assert.equal(volcanoWord({ ...recorded.heldNew, status: { phase: 'Inqueue' } }, pending(3, '0/6 nodes are available: 6 Insufficient nvidia.com/gpu.'), 'too-big', 3).kind, 'generic');
});

test('Volcano is proven ahead of native gangs (a cluster that runs it chose it), after Kueue', () => {
  assert.deepEqual(GANG_SOLVERS.map((g) => g.name).slice(0, 3), ['kueue', 'volcano', 'native']);
  assert.ok(GANG_SOLVERS.find((g) => g.name === 'volcano')!.submit);
});
