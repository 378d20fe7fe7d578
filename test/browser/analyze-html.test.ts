import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { CHECKLISTS, ROOT, SUBMISSIONS, kaic, tmp } from '../helpers.js';
import { launch } from './chromium.js';

test('the analysis dashboard loads offline without errors; sorting and the version filter change what is shown', async (t) => {
  const browser = await launch();
  if (!browser) return t.skip('Debian chromium not installed (CI installs it)');
  try {
    const r = kaic(['analyze', SUBMISSIONS, '--format', 'html', '--checklist', CHECKLISTS]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(tmp(), 'analysis.html');
    writeFileSync(file, r.stdout);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (q) => { if (!q.url().startsWith('file:')) requests.push(q.url()); });
    await page.goto(pathToFileURL(file).href);
    if (process.env.UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'docs', 'analyze-dashboard.png') });
    }
    const visible = () => page.locator('#evidence tbody tr:not(.hidden)').count();
    const total = await visible();
    assert.ok(total >= 40);
    // Sorting: click "Errors" twice (descending): the first row has the most errors.
    const errorsCol = page.locator('#evidence th', { hasText: 'Errors' });
    const firstErrors = async () => Number(await page.locator('#evidence tbody tr').first().locator('td').nth(8).innerText());
    await errorsCol.click();
    const ascending = await firstErrors();
    await errorsCol.click();
    const descending = await firstErrors();
    assert.ok(descending > ascending, `descending first row (${descending}) > ascending first row (${ascending})`);
    assert.equal(await errorsCol.getAttribute('aria-sort'), 'descending');
    // Filtering by version.
    await page.selectOption('#version', 'v1.33');
    const v133 = await visible();
    assert.ok(v133 > 0 && v133 < total, `${v133} of ${total}`);
    assert.equal(await page.locator('#shown').innerText(), String(v133));
    assert.equal(await page.locator('#evidence tbody tr:not(.hidden)', { hasText: 'v1.34/' }).count(), 0);
    await page.selectOption('#version', 'all');
    assert.equal(await visible(), total);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, []);
  } finally {
    await browser.close();
  }
});
