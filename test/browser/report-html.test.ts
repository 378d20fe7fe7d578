import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { CHECKLISTS, SUBMISSIONS, kaic, tmp } from '../helpers.js';
import { launch } from './chromium.js';

test('the HTML report opens in headless Chromium, offline, and shows the summary counts', async (t) => {
  const browser = await launch();
  if (!browser) return t.skip('Debian chromium not installed (CI installs it)');
  try {
    const r = kaic(['report', join(SUBMISSIONS, 'v1.33', 'talos', 'PRODUCT.yaml'), '--format', 'html', '--checklist', CHECKLISTS]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(tmp(), 'report.html');
    writeFileSync(file, r.stdout);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (req) => { if (!req.url().startsWith('file:')) requests.push(req.url()); });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(pathToFileURL(file).href);
    const count = (status: string) => page.locator(`#summary [data-status="${status}"] [data-count]`).innerText();
    assert.equal(await count('Implemented'), '6');
    assert.equal(await count('N/A'), '3');
    assert.equal(await count('total'), '9');
    assert.equal(await page.locator('#must-implemented').innerText(), '5');
    assert.ok(Number(await page.locator('#findings-errors').innerText()) > 0);
    // Readable on a phone: nothing wider than the viewport but scrollable tables.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page overflows a 390px screen by ${overflow}px`);
    assert.deepEqual(requests, [], 'a self-contained page makes no network requests');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
