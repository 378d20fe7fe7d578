import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJunit, parseTestJson, parseTestText, statusOf } from '../../src/artifacts/go-test-report.js';

const ok = <T extends { ok: boolean }>(r: T) => {
  assert.ok(r.ok, JSON.stringify(r));
  return (r as unknown as { report: import('../../src/artifacts/go-test-report.js').TestReport }).report;
};

test('JUnit: failures, errors and skips are read per testcase', () => {
  const r = ok(parseJunit('<?xml version="1.0"?><testsuites><testsuite name="p" tests="3"><testcase name="TestA" classname="p"/><testcase name="TestB/sub" classname="p"><failure message="x">boom</failure></testcase><testcase name="TestC"><skipped message="no gpu"/></testcase></testsuite></testsuites>'));
  assert.equal(r.format, 'junit');
  assert.equal(statusOf(r, 'TestA'), 'pass');
  assert.equal(statusOf(r, 'TestB'), 'fail', 'a failing subtest fails its parent');
  assert.equal(statusOf(r, 'TestC'), 'skip');
  assert.equal(statusOf(r, 'TestD'), undefined);
});

test('JUnit: malformed XML is located', () => {
  const r = parseJunit('<testsuites>\n<testsuite><testcase name="a"></testsuite></testsuites>');
  assert.equal(r.ok, false);
  assert.equal((r as { line: number }).line, 2);
  assert.equal(parseJunit('<html></html>').ok, false);
});

test('go test -json: the last pass/fail/skip action per test wins', () => {
  const lines = [
    { Action: 'run', Test: 'TestGangScheduling' },
    { Action: 'output', Test: 'TestGangScheduling', Output: '=== RUN TestGangScheduling\n' },
    { Action: 'pass', Test: 'TestGangScheduling/AllOrNothing' },
    { Action: 'fail', Test: 'TestGangScheduling/Fits' },
    { Action: 'fail', Test: 'TestGangScheduling' },
    { Action: 'pass', Package: 'kaic' },
  ].map((e) => JSON.stringify(e)).join('\n');
  const r = ok(parseTestJson(lines));
  assert.equal(statusOf(r, 'TestGangScheduling'), 'fail');
  assert.equal(statusOf(r, 'TestGangScheduling/AllOrNothing'), 'pass');
  assert.equal(parseTestJson('{"Action":"pass"}\nnot json').ok, false);
  assert.equal(parseTestJson('').ok, false);
});

test('go test -v text: result lines, including indented subtests', () => {
  const r = ok(parseTestText('=== RUN   TestX\n=== RUN   TestX/a\n    --- PASS: TestX/a (0.01s)\n--- PASS: TestX (0.02s)\n--- SKIP: TestY (0.00s)\nPASS\n'));
  assert.equal(r.format, 'go-test-text');
  assert.equal(statusOf(r, 'TestX'), 'pass');
  assert.equal(statusOf(r, 'TestY'), 'skip');
});

test('a Ginkgo e2e log is recognised by its summary', () => {
  const r = ok(parseTestText('Ran 11 of 7144 Specs in 892.236 seconds\nSUCCESS! -- 11 Passed | 0 Failed | 0 Pending | 7133 Skipped\n'));
  assert.equal(r.format, 'ginkgo-log');
  assert.deepEqual(r.summary, { passed: 11, failed: 0 });
  assert.equal(parseTestText('hello world').ok, false);
});
