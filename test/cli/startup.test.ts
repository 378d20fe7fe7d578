import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_SUMMARIES } from '../../src/cli/main.js';
import { kaic } from '../helpers.js';

test('kaic --help lists every command with its own description, without loading any command', async () => {
  const help = kaic(['--help']);
  assert.equal(help.code, 0);
  for (const [name, summary] of Object.entries(COMMAND_SUMMARIES)) {
    const mod = (await import(`../../src/cli/commands/${name}.js`)) as { default: { meta?: { description?: string } } };
    assert.equal(summary, mod.default.meta?.description, `${name}: the summary in main.ts must equal the command's description`);
    assert.match(help.stdout, new RegExp(`\\b${name}\\b`));
  }
});

test('--debug is accepted anywhere and does not change a normal run', () => {
  const r = kaic(['--debug', '--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});
