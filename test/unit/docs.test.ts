import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderDiagnosticsDoc } from '../../src/source/diagnostics-doc.js';
import { ROOT } from '../helpers.js';

test('docs/diagnostics.md documents every diagnostic code (npm run docs regenerates it)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs', 'diagnostics.md'), 'utf8'), renderDiagnosticsDoc());
});
