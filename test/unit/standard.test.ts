import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CATALOG, KNOWN_VERSIONS, catalogFor, normalizeVersion } from '../../src/standard/catalog.js';
import { loadChecklist, parseChecklist, requirements, type Checklist } from '../../src/standard/checklist.js';
import { diffChecklists } from '../../src/standard/diff.js';
import { parseYamlText } from '../../src/source/yaml-file.js';
import { CHECKLISTS, tmp } from '../helpers.js';

async function load(v: string): Promise<Checklist> {
  const r = await loadChecklist(v, { checklist: CHECKLISTS });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.warnings, [], `the ${v} checklist should agree with kaic's catalog`);
  return r.value;
}

test('every official checklist agrees with the catalog, id for id and level for level', async () => {
  for (const v of KNOWN_VERSIONS) {
    const c = await load(v);
    const fromChecklist = requirements(c).map((r) => `${r.category}/${r.id}=${r.level}`).sort();
    const fromCatalog = catalogFor(v).map((x) => `${x.entry.category}/${x.entry.id}=${x.level}`).sort();
    assert.deepEqual(fromChecklist, fromCatalog, v);
  }
});

test('v1.33 has 9 requirements (8 MUST, 1 SHOULD); v1.37 has 15 (8 MUST, 7 SHOULD)', async () => {
  const count = (c: Checklist) => ({ total: requirements(c).length, must: requirements(c).filter((r) => r.level === 'MUST').length });
  assert.deepEqual(count(await load('v1.33')), { total: 9, must: 8 });
  assert.deepEqual(count(await load('v1.37')), { total: 15, must: 8 });
});

test('the catalog states the table of the standard', () => {
  const levels = Object.fromEntries(CATALOG.map((e) => [e.id, KNOWN_VERSIONS.map((v) => e.levels[v] ?? '-').join(' ')]));
  assert.equal(levels.dra_support, 'SHOULD MUST MUST - -');
  assert.equal(levels.gpu_sharing, '- - SHOULD SHOULD SHOULD');
  assert.equal(levels.disaggregated_inference, '- - - SHOULD SHOULD');
  assert.equal(levels.workload_sandboxing, '- - - - SHOULD');
  assert.equal(levels.robust_controller, 'MUST MUST MUST MUST MUST');
  assert.equal(normalizeVersion('1.37.2'), 'v1.37');
  assert.equal(normalizeVersion('v1'), undefined);
});

test('spec diff v1.35 → v1.36: dra_support removed, three networking SHOULDs added', async () => {
  const d = diffChecklists(await load('v1.35'), await load('v1.36'));
  assert.deepEqual(d.removed.map((x) => x.id), ['dra_support']);
  assert.deepEqual(d.added.map((x) => x.id).sort(), ['advanced_inference_ingress', 'disaggregated_inference', 'high_performance_networking']);
  assert.deepEqual(d.levelChanged, []);
  const d2 = diffChecklists(await load('v1.33'), await load('v1.34'));
  assert.deepEqual(d2.levelChanged, [{ id: 'dra_support', from: 'SHOULD', to: 'MUST' }]);
});

test('a checklist that disagrees with the catalog loads, with located drift warnings', () => {
  const text = readFileSync(join(CHECKLISTS, 'AIConformance-1.35.yaml'), 'utf8').replace(/(id: gpu_sharing[\s\S]*?level: )SHOULD/, '$1MUST');
  const y = parseYamlText(text, 'AIConformance-1.35.yaml');
  assert.ok(y.ok);
  const c = parseChecklist(y.value, 'x');
  assert.ok(c.ok);
  assert.equal(c.warnings.length, 1);
  assert.equal(c.warnings[0]!.code, 'CHECKLIST_DRIFT');
  assert.match(c.warnings[0]!.message, /gpu_sharing is MUST/);
  assert.ok(c.warnings[0]!.line > 30);
});

test('a version kaic does not know yet works from its checklist alone, with a warning', () => {
  const text = readFileSync(join(CHECKLISTS, 'AIConformance-1.37.yaml'), 'utf8').replace('kubernetesVersion: v1.37', 'kubernetesVersion: v1.38');
  const y = parseYamlText(text, 'AIConformance-1.38.yaml');
  assert.ok(y.ok);
  const c = parseChecklist(y.value, 'x');
  assert.ok(c.ok);
  assert.equal(c.value.version, 'v1.38');
  assert.match(c.warnings[0]!.message, /does not know v1\.38/);
});

test('checklist lookup: folder, file, wrong file, offline without cache', async () => {
  const file = join(CHECKLISTS, 'AIConformance-1.34.yaml');
  assert.ok((await loadChecklist('v1.34', { checklist: file })).ok);
  const wrong = await loadChecklist('v1.35', { checklist: file });
  assert.equal(wrong.ok, false);
  assert.match((wrong as { diagnostics: { message: string }[] }).diagnostics[0]!.message, /is the checklist for v1.34, not v1.35/);
  const missing = await loadChecklist('v1.99', { checklist: CHECKLISTS });
  assert.equal(missing.ok, false);
  const offline = await loadChecklist('v1.37', { offline: true, cacheDir: tmp(), bundled: false });
  assert.equal(offline.ok, false);
  assert.match((offline as { diagnostics: { message: string }[] }).diagnostics[0]!.message, /available offline/);
});

test('a downloaded checklist is cached and reused without the network', async () => {
  const cacheDir = tmp();
  const body = readFileSync(join(CHECKLISTS, 'AIConformance-1.36.yaml'), 'utf8');
  const urls: string[] = [];
  const fakeFetch = (async (url: string) => {
    urls.push(url);
    return new Response(body, { status: 200 });
  }) as unknown as typeof fetch;
  const first = await loadChecklist('v1.36', { cacheDir, fetchImpl: fakeFetch, bundled: false });
  assert.ok(first.ok);
  assert.match(urls[0]!, /cncf\/k8s-ai-conformance\/.*AIConformance-1\.36\.yaml$/);
  assert.ok(existsSync(join(cacheDir, 'checklists', 'AIConformance-1.36.yaml')));
  const second = await loadChecklist('v1.36', { cacheDir, offline: true, bundled: false });
  assert.ok(second.ok);
  assert.equal(urls.length, 1);
  const notFound = await loadChecklist('v1.39', { cacheDir, fetchImpl: (async () => new Response('nope', { status: 404 })) as unknown as typeof fetch });
  assert.equal(notFound.ok, false);
  writeFileSync(join(cacheDir, 'x'), '');
});
