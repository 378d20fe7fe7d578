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
  /** Test name (`TestX` or `TestX/Sub`, or a Ginkgo spec text) → final status. Empty for a Ginkgo log. */
  readonly tests: ReadonlyMap<string, TestStatus>;
  /** For a Ginkgo log: its summary counts. */
  readonly summary?: { passed: number; failed: number };
  /** Tests that failed and later passed under the same name (retries, `-count=N`): reported, not hidden. */
  readonly flaky: ReadonlySet<string>;
}

export type ParseResult = { ok: true; report: TestReport } | { ok: false; line: number; col: number; message: string };

/** Deeper XML than this is refused before parsing: no JUnit report nests more than a handful of levels. */
export const MAX_XML_DEPTH = 64;

/**
 * Which report format a text is, judged by its content alone (a Kubernetes e2e run writes
 * `junit_01.xml`; vendors rename files freely). Undefined when it is none of them.
 */
export function detectFormat(text: string): ArtifactFormat | undefined {
  const head = text.slice(0, 8192).replace(/^\uFEFF/, '');
  if (/^\s*(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<testsuites?[\s>/]/.test(head)) return 'junit';
  const firstLine = head.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  if (firstLine.startsWith('{') && /"Action"\s*:/.test(firstLine)) return 'go-test-json';
  if (/^\s*(?:=== RUN\s+Test|--- (?:PASS|FAIL|SKIP): \S+ \()/m.test(text)) return 'go-test-text';
  if (/^Running Suite: |^Ran \d+ of \d+ Specs? in /m.test(text)) return 'ginkgo-log';
  return undefined;
}

/** Parses a test report by content; `name` only improves the message when nothing matches. */
export function parseReport(text: string, name = 'the file'): ParseResult {
  const format = detectFormat(text);
  if (format === 'junit') return parseJunit(text);
  if (format === 'go-test-json') return parseTestJson(text);
  if (format === 'go-test-text' || format === 'ginkgo-log') return parseTestText(text);
  return { ok: false, line: 1, col: 1, message: `${name} is not a test report kaic recognises (JUnit XML, \`go test -json\`, \`go test -v\` or a Ginkgo log)` };
}

/** Kept for callers that know the upstream file name; the content decides the format. */
export function parseArtifact(name: string, text: string): ParseResult {
  return parseReport(text, name);
}

/** The deepest element nesting, counted without a parser (which would recurse on hostile input). */
function xmlDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  const tag = /<(\/?)([A-Za-z_][^\s/>]*)[^>]*?(\/?)>|<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>/g;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    if (m[2] === undefined) continue;
    if (m[1]) depth--;
    else if (!m[3]) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    }
  }
  return max;
}

export function parseJunit(text: string): ParseResult {
  if (xmlDepth(text, MAX_XML_DEPTH) > MAX_XML_DEPTH) return { ok: false, line: 1, col: 1, message: `XML nested deeper than ${MAX_XML_DEPTH} levels (kaic's limit; a JUnit report uses about 4)` };
  let doc: Record<string, unknown>;
  try {
    const valid = XMLValidator.validate(text);
    if (valid !== true) return { ok: false, line: valid.err.line, col: valid.err.col, message: `malformed XML: ${valid.err.msg}` };
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase', processEntities: false });
    doc = parser.parse(text) as Record<string, unknown>;
  } catch (e) {
    // The parser's own limits (nesting, entity expansion) surface as exceptions: bad input, not a bug.
    return { ok: false, line: 1, col: 1, message: `unreadable XML: ${(e as Error).message}` };
  }
  const suites = ((doc.testsuites as Record<string, unknown> | undefined)?.testsuite ?? doc.testsuite) as Record<string, unknown>[] | undefined;
  if (!Array.isArray(suites) && doc.testsuites === undefined) return { ok: false, line: 1, col: 1, message: 'no <testsuites>/<testsuite> element: not a JUnit report' };
  const tests = new Map<string, TestStatus>();
  const flaky = new Set<string>();
  for (const suite of Array.isArray(suites) ? suites : []) {
    if (!suite || typeof suite !== 'object') continue;
    const cases = suite.testcase;
    for (const tc of Array.isArray(cases) ? (cases as unknown[]) : []) {
      if (!tc || typeof tc !== 'object') continue;
      const c = tc as Record<string, unknown>;
      const name = typeof c.name === 'string' || typeof c.name === 'number' ? String(c.name) : '';
      if (!name) continue;
      const status: TestStatus = 'failure' in c || 'error' in c || c.status === 'failed' ? 'fail' : 'skipped' in c || c.status === 'skipped' ? 'skip' : 'pass';
      record(tests, flaky, name, status);
    }
  }
  return { ok: true, report: { format: 'junit', tests, flaky } };
}

export function parseTestJson(text: string): ParseResult {
  const tests = new Map<string, TestStatus>();
  const flaky = new Set<string>();
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
    if (typeof ev.Test === 'string' && (ev.Action === 'pass' || ev.Action === 'fail' || ev.Action === 'skip')) record(tests, flaky, ev.Test, ev.Action);
  }
  if (events === 0) return { ok: false, line: 1, col: 1, message: 'empty: no `go test -json` events' };
  return { ok: true, report: { format: 'go-test-json', tests, flaky } };
}

const RESULT_LINE = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(/;

export function parseTestText(text: string): ParseResult {
  const tests = new Map<string, TestStatus>();
  const flaky = new Set<string>();
  for (const line of text.split('\n')) {
    const m = RESULT_LINE.exec(line);
    if (m) record(tests, flaky, m[2]!, m[1]!.toLowerCase() as TestStatus);
  }
  if (tests.size > 0) return { ok: true, report: { format: 'go-test-text', tests, flaky } };
  const ran = /Ran (\d+) of \d+ Specs/.exec(text);
  if (ran) {
    const m = /(\d+) Passed \| (\d+) Failed/.exec(text);
    const summary = m ? { passed: Number(m[1]), failed: Number(m[2]) } : { passed: 0, failed: /\bFAIL!/.test(text) ? 1 : 0 };
    return { ok: true, report: { format: 'ginkgo-log', tests, summary: ran[1] === '0' ? { passed: 0, failed: summary.failed } : summary, flaky } };
  }
  return { ok: false, line: 1, col: 1, message: 'no `--- PASS/FAIL/SKIP: TestName` lines and no Ginkgo summary: not a `go test -v` log' };
}

/** The last result wins (a rerun replaces a run), but a failure followed by a pass is remembered. */
function record(tests: Map<string, TestStatus>, flaky: Set<string>, name: string, status: TestStatus) {
  if (status === 'pass' && tests.get(name) === 'fail') flaky.add(name);
  tests.set(name, status);
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
  // A parent whose every subtest skipped "passes" in Go, having checked nothing.
  if (own === 'skip' || (subs.length > 0 && subs.every((st) => st === 'skip'))) return 'skip';
  return 'pass';
}

/** How many tests or specs actually ran (passed or failed); 0 means the report proves nothing. */
export function ranCount(report: TestReport): number {
  if (report.format === 'ginkgo-log') return (report.summary?.passed ?? 0) + (report.summary?.failed ?? 0);
  let n = 0;
  for (const st of report.tests.values()) if (st !== 'skip') n++;
  return n;
}
