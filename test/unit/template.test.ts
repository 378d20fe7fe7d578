import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadChecklist, type Checklist } from '../../src/standard/checklist.js';
import { renderTemplate, upgradeDocument } from '../../src/submission/template.js';
import { Validator } from '../../src/submission/validate.js';
import { CHECKLISTS, SUBMISSIONS, tmp } from '../helpers.js';

async function checklist(v: string): Promise<Checklist> {
  const r = await loadChecklist(v, { checklist: CHECKLISTS });
  assert.ok(r.ok);
  return r.value;
}
type Req = { id: string; level: string; status: string; evidence: string[]; notes: string; description: string };
const reqs = (doc: { spec: Record<string, Req[]> }) => Object.values(doc.spec).flat();

test('init: the official structure, with k8sConformanceUrl added where the template lacks it', async () => {
  const c = await checklist('v1.34');
  const text = renderTemplate(c);
  const doc = parse(text) as { metadata: Record<string, string>; spec: Record<string, Req[]> };
  assert.equal(doc.metadata.kubernetesVersion, 'v1.34');
  assert.match(doc.metadata.k8sConformanceUrl!, /^\[.*v1\.34/);
  assert.deepEqual(reqs(doc).map((r) => r.id), c.categories.flatMap((x) => x.requirements.map((r) => r.id)));
  assert.match(text, /# Participants should fill in/, 'the official comments are kept');
  // A fresh template fails only on what the vendor has to fill in.
  const dir = join(tmp(), 'v1.34', 'new');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'PRODUCT.yaml'), text);
  const r = await new Validator({ checklist: CHECKLISTS, offline: true }).validateFile(join(dir, 'PRODUCT.yaml'));
  assert.deepEqual([...new Set(r.diagnostics.map((d) => d.code))].sort(), ['METADATA_PLACEHOLDER', 'MUST_STATUS_EMPTY']);
});

test('upgrade: a real v1.34 submission moves to v1.35 keeping every answer and adding the three new SHOULDs', async () => {
  const file = join(SUBMISSIONS, 'v1.34', 'giantswarm', 'PRODUCT.yaml');
  const before = readFileSync(file, 'utf8');
  const r = upgradeDocument(before, await checklist('v1.35'));
  assert.deepEqual(r.added.sort(), ['driver_runtime_management', 'gpu_sharing', 'virtualized_accelerator']);
  assert.deepEqual(r.removed, []);
  const old = parse(before) as { metadata: Record<string, string>; spec: Record<string, Req[]> };
  const now = parse(r.text) as { metadata: Record<string, string>; spec: Record<string, Req[]> };
  assert.equal(now.metadata.kubernetesVersion, 'v1.35');
  assert.equal(now.metadata.platformName, old.metadata.platformName);
  for (const o of reqs(old)) {
    const n = reqs(now).find((x) => x.id === o.id)!;
    assert.deepEqual({ status: n.status, evidence: n.evidence, notes: n.notes }, { status: o.status, evidence: o.evidence, notes: o.notes }, o.id);
  }
  for (const id of r.added) assert.equal(reqs(now).find((x) => x.id === id)!.status, '');
});

test('upgrade: removed ids are listed, levels follow the target, comments and key order survive', async () => {
  const src = `# our submission\nmetadata:\n  platformName: Acme # product name\n  kubernetesVersion: v1.33\nspec:\n  accelerators:\n    - id: dra_support\n      status: Implemented # since 2.0\n      level: SHOULD\n      evidence: [https://acme.test/dra]\n      notes: ok\n`;
  const r = upgradeDocument(src, await checklist('v1.36'));
  assert.deepEqual(r.removed, [{ id: 'dra_support', status: 'Implemented' }]);
  assert.match(r.text, /^# our submission/);
  assert.match(r.text, /platformName: Acme # product name\n  kubernetesVersion: v1.36/);
  const r2 = upgradeDocument(src, await checklist('v1.34'));
  assert.deepEqual(r2.levelChanged, [{ id: 'dra_support', from: 'SHOULD', to: 'MUST' }]);
  assert.match(r2.text, /status: Implemented # since 2.0\n      level: MUST/);
});
