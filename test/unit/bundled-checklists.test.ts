import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KNOWN_VERSIONS } from '../../src/standard/catalog.js';
import { BUNDLED_CHECKLISTS, loadChecklist, requirements } from '../../src/standard/checklist.js';
import { tmp } from '../helpers.js';

test('the official checklists v1.33–v1.37 ship with kaic, unchanged since recorded in sources.json', () => {
  const sources = JSON.parse(readFileSync(join(BUNDLED_CHECKLISTS, 'sources.json'), 'utf8')) as { repository: string; commit: string | null; sha256: Record<string, string> };
  assert.match(sources.repository, /github\.com\/cncf\/k8s-ai-conformance/);
  const files = readdirSync(BUNDLED_CHECKLISTS).filter((f) => f.endsWith('.yaml')).sort();
  assert.deepEqual(files, ['AIConformance-1.33.yaml', 'AIConformance-1.34.yaml', 'AIConformance-1.35.yaml', 'AIConformance-1.36.yaml', 'AIConformance-1.37.yaml']);
  for (const f of files) assert.equal(createHash('sha256').update(readFileSync(join(BUNDLED_CHECKLISTS, f))).digest('hex'), sources.sha256[f], f);
});

test('offline with an empty cache, every known version loads from the shipped copy, with descriptions', async () => {
  for (const v of KNOWN_VERSIONS) {
    const r = await loadChecklist(v, { offline: true, cacheDir: tmp() });
    assert.ok(r.ok, `${v}: ${!r.ok && r.diagnostics[0]?.message}`);
    assert.equal(r.value.source, join(BUNDLED_CHECKLISTS, `AIConformance-${v.slice(1)}.yaml`));
    assert.ok(requirements(r.value).every((q) => q.description.length > 20), `${v}: descriptions`);
  }
  const newer = await loadChecklist('v1.38', { offline: true, cacheDir: tmp() });
  assert.equal(newer.ok, false, 'a newer version is downloaded or passed with --checklist');
});
