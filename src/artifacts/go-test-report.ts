import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Readers for the three test-artifact formats a submission may cite as evidence:
 * JUnit XML (gotestsum / go-junit-report shape), `go test -json` events (test2json), and
 * `go test -v` text. A Ginkgo log (the Kubernetes e2e framework) is recognised for its summary only.
 */
export type TestStatus = 'pass' | 'fail' | 'skip';
export type ArtifactFormat = 'junit' | 'go-test-json' | 'go-test-text' | 'ginkgo-log';

export interface TestReport {
  readonly format: ArtifactFormat;
  /** Test name (`TestX` or `TestX/Sub`) → final status. Empty for a Ginkgo log. */
  readonly tests: ReadonlyMap<string, TestStatus>;
  /** For a Ginkgo log: its summary counts. */
  readonly summary?: { passed: number; failed: number };
}

export type ParseResult = { ok: true; report: TestReport } | { ok: false; line: number; col: number; message: string };

export function parseArtifact(name: 'junit.xml' | 'results.json' | 'e2e.log', text: string): ParseResult {
  if (name === 'junit.xml') return parseJunit(text);
  if (name === 'results.json') return parseTestJson(text);
  return parseTestText(text);
}

export function parseJunit(text: string): ParseResult {
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, line: valid.err.line, col: valid.err.col, message: `malformed XML: ${valid.err.msg}` };
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' });
  const doc = parser.parse(text) as Record<string, unknown>;
  const suites = ((doc.testsuites as Record<string, unknown> | undefined)?.testsuite ?? doc.testsuite) as Record<string, unknown>[] | undefined;
  if (!Array.isArray(suites)) return { ok: false, line: 1, col: 1, message: 'no <testsuites>/<testsuite> element: not a JUnit report' };
  const tests = new Map<string, TestStatus>();
  for (const suite of suites) {
    for (const tc of (suite.testcase as Record<string, unknown>[] | undefined) ?? []) {
      const name = String(tc.name ?? '');
      if (!name) continue;
      const status: TestStatus = 'failure' in tc || 'error' in tc ? 'fail' : 'skipped' in tc ? 'skip' : 'pass';
      tests.set(name, worst(tests.get(name), status));
    }
  }
  return { ok: true, report: { format: 'junit', tests } };
}

export function parseTestJson(text: string): ParseResult {
  const tests = new Map<string, TestStatus>();
  const lines = text.split('\n');
  let events = 0;
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line) continue;
    let ev: { Action?: unknown; Test?: unknown };
    try {
      ev = JSON.parse(line) as typeof ev;
    } catch {
      return { ok: false, line: i + 1, col: 1, message: 'not a `go test -json` event (each line must be one JSON object)' };
    }
    if (typeof ev !== 'object' || ev === null || typeof ev.Action !== 'string') {
      return { ok: false, line: i + 1, col: 1, message: 'JSON line without an "Action" field: not a `go test -json` event' };
    }
    events++;
    if (typeof ev.Test === 'string' && (ev.Action === 'pass' || ev.Action === 'fail' || ev.Action === 'skip')) tests.set(ev.Test, ev.Action);
  }
  if (events === 0) return { ok: false, line: 1, col: 1, message: 'empty: no `go test -json` events' };
  return { ok: true, report: { format: 'go-test-json', tests } };
}

const RESULT_LINE = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(/;

export function parseTestText(text: string): ParseResult {
  const tests = new Map<string, TestStatus>();
  for (const line of text.split('\n')) {
    const m = RESULT_LINE.exec(line);
    if (m) tests.set(m[2]!, m[1]!.toLowerCase() as TestStatus);
  }
  if (tests.size > 0) return { ok: true, report: { format: 'go-test-text', tests } };
  const ran = /Ran (\d+) of \d+ Specs/.exec(text);
  if (ran) {
    const m = /(\d+) Passed \| (\d+) Failed/.exec(text);
    const summary = m ? { passed: Number(m[1]), failed: Number(m[2]) } : { passed: 0, failed: /\bFAIL!/.test(text) ? 1 : 0 };
    return { ok: true, report: { format: 'ginkgo-log', tests, summary } };
  }
  return { ok: false, line: 1, col: 1, message: 'no `--- PASS/FAIL/SKIP: TestName` lines and no Ginkgo summary: not a `go test -v` log' };
}

function worst(a: TestStatus | undefined, b: TestStatus): TestStatus {
  if (a === 'fail' || b === 'fail') return 'fail';
  if (a === 'skip' || b === 'skip') return 'skip';
  return 'pass';
}

/**
 * The status of a test in a report, including its subtests: `TestX` fails if any `TestX/...` failed.
 * Returns undefined when the report has no such test.
 */
export function statusOf(report: TestReport, name: string): TestStatus | undefined {
  const own = report.tests.get(name);
  const subs = [...report.tests].filter(([t]) => t.startsWith(`${name}/`)).map(([, st]) => st);
  if (own === undefined && subs.length === 0) return undefined;
  if (own === 'fail' || subs.includes('fail')) return 'fail';
  if (own === 'skip' || (own === undefined && subs.every((st) => st === 'skip'))) return 'skip';
  return 'pass';
}
