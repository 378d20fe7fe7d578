import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderChecksDoc } from '../../src/checks/checks-doc.js';
import { renderDiagnosticsDoc } from '../../src/source/diagnostics-doc.js';
import { ROOT } from '../helpers.js';

test('docs/diagnostics.md and docs/checks.md are generated from the code (npm run docs regenerates them)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs', 'diagnostics.md'), 'utf8'), renderDiagnosticsDoc());
  assert.equal(readFileSync(join(ROOT, 'docs', 'checks.md'), 'utf8'), renderChecksDoc());
});
