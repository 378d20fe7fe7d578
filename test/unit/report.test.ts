import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderChecklistHtml, renderReportHtml } from '../../src/report/html.js';
import { renderChecklistMarkdown, renderReportMarkdown } from '../../src/report/markdown.js';
import { buildReportModel } from '../../src/report/model.js';
import { readYamlFile } from '../../src/source/yaml-file.js';
import { loadChecklist } from '../../src/standard/checklist.js';
import { readSubmission } from '../../src/submission/model.js';
import { CHECKLISTS, ROOT, SUBMISSIONS } from '../helpers.js';

/** Golden files change only with UPDATE_GOLDEN=1. */
function golden(name: string, actual: string) {
  const file = join(ROOT, 'test', 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    mkdirSync(join(ROOT, 'test', 'golden'), { recursive: true });
    if (process.env.UPDATE_GOLDEN !== '1' && process.env.CI) assert.fail(`golden file ${name} missing; run with UPDATE_GOLDEN=1`);
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file (UPDATE_GOLDEN=1 to accept)`);
}

async function model(sub: string) {
  const y = readYamlFile(join(SUBMISSIONS, sub, 'PRODUCT.yaml'));
  assert.ok(y.ok);
  const c = await loadChecklist(`v${sub.split('/')[0]!.slice(1)}`, { checklist: CHECKLISTS });
  assert.ok(c.ok);
  return buildReportModel(readSubmission(y.value).submission, c.value);
}

test('checklist v1.33 renders overview counts, contents by category and every requirement', async () => {
  const c = await loadChecklist('v1.33', { checklist: CHECKLISTS });
  assert.ok(c.ok);
  const md = renderChecklistMarkdown(c.value);
  assert.match(md, /\| \*\*v1\.33\*\* \| 9 \| 8 \| 1 \|/);
  assert.equal((md.match(/^### \d+\. /gm) ?? []).length, 9);
  assert.match(md, /\[🚀 Accelerators\]\(#accelerators\) — 1 SHOULD/);
  assert.doesNotMatch(md, /Ã|â€|ðŸ/, 'clean UTF-8, no mojibake');
  golden('checklist-v1.33.md', md);
  const html = renderChecklistHtml(c.value);
  assert.match(html, /data-count="MUST">8</);
  assert.doesNotMatch(html, /<script src|<link |https:\/\/fonts/);
});

test('vendor report: counts by status, MUST coverage, glance table, escaped notes', async () => {
  const m = await model('v1.34/eks');
  assert.equal(m.total, 9);
  assert.deepEqual(m.counts, [{ status: 'Implemented', count: 9 }]);
  assert.deepEqual(m.must, { total: 9, implemented: 9 });
  const md = renderReportMarkdown(m);
  assert.match(md, /\| ✅ Implemented \| 9 \|/);
  golden('report-eks-v1.34.md', md);
  const talos = await model('v1.33/talos');
  assert.deepEqual(Object.fromEntries(talos.counts.map((c) => [c.status, c.count])), { Implemented: 6, 'N/A': 3 });
  const html = renderReportHtml({ ...talos, description: '<script>alert(1)</script>' });
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /[\u{1F300}-\u{1FAFF}\u{2600}-\u{26FF}]/u, 'no emoji: the page must read the same in a browser without an emoji font');
});
