import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYamlText, locate, readYamlFile } from '../../src/source/yaml-file.js';
import { formatGithub, formatText } from '../../src/source/format.js';
import { diagnostic } from '../../src/source/diagnostic.js';
import { tmp } from '../helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const errorOf = (text: string | Buffer) => {
  const r = parseYamlText(text, 'x.yaml');
  assert.equal(r.ok, false, 'expected a parse failure');
  return (r as { diagnostics: { code: string; line: number; col: number; message: string }[] }).diagnostics[0]!;
};

test('a tab used for indentation is a YAML_SYNTAX error at its line', () => {
  const d = errorOf('metadata:\n\tplatformName: x\n');
  assert.equal(d.code, 'YAML_SYNTAX');
  assert.equal(d.line, 2);
});

test('a duplicate key is reported where the second key stands', () => {
  const d = errorOf('metadata:\n  a: 1\n  a: 2\n');
  assert.equal(d.code, 'YAML_SYNTAX');
  assert.match(d.message, /DUPLICATE_KEY/);
  assert.equal(d.line, 3);
});

test('bad indentation is a YAML_SYNTAX error', () => {
  const d = errorOf('spec:\n  accelerators:\n    - id: a\n   level: MUST\n');
  assert.equal(d.code, 'YAML_SYNTAX');
  assert.ok(d.line >= 3);
});

test('binary content and invalid UTF-8 are refused as unreadable input', () => {
  assert.equal(errorOf(Buffer.from([0x6d, 0x3a, 0x00, 0x01])).code, 'INPUT_UNREADABLE');
  assert.match(errorOf(Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe])).message, /UTF-8/);
  assert.match(errorOf('').message, /empty/);
});

test('files over the size limit are refused before parsing', () => {
  const dir = tmp();
  const f = join(dir, 'big.yaml');
  writeFileSync(f, `a: "${'x'.repeat(10 * 1024 * 1024)}"\n`);
  const r = readYamlFile(f);
  assert.equal(r.ok, false);
  assert.match((r as { diagnostics: { message: string }[] }).diagnostics[0]!.message, /is 10 MiB, over the limit for YAML files \(2 MiB\)/);
});

test('locate finds a nested node, and the nearest ancestor for a missing one', () => {
  const r = parseYamlText('metadata:\n  name: x\nspec:\n  security:\n    - id: a\n      status: Implemented\n', 'f.yaml');
  assert.ok(r.ok);
  assert.deepEqual(locate(r.value, ['spec', 'security', 0, 'status']), { line: 6, col: 15 });
  assert.deepEqual(locate(r.value, ['spec', 'security', 0, 'status'], { key: true }), { line: 6, col: 7 });
  assert.deepEqual(locate(r.value, ['metadata', 'missing']), { line: 2, col: 3 });
});

test('diagnostics format as one text line and as an escaped GitHub annotation', () => {
  const d = diagnostic('MUST_NOT_IMPLEMENTED', { file: 'v1.37/a/PRODUCT.yaml', line: 42, col: 7 }, ['spec', 'security', 0, 'status'], 'bad: 100%\nreally');
  assert.equal(formatText(d), 'v1.37/a/PRODUCT.yaml:42:7 error MUST_NOT_IMPLEMENTED spec.security[0].status: bad: 100%\nreally');
  assert.equal(formatGithub(d), '::error file=v1.37/a/PRODUCT.yaml,line=42,col=7,title=MUST_NOT_IMPLEMENTED::bad: 100%25%0Areally');
});
