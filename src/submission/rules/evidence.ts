import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, isAbsolute, relative } from 'node:path';
import { detectFormat, parseReport, ranCount, statusOf, type ParseResult, type TestReport } from '../../artifacts/go-test-report.js';
import { kindOf, readHead, readRegularFile } from '../../source/read-file.js';
import { knownTestsFor } from '../../standard/checklist.js';
import { isArtifactName, resolveEvidence } from '../evidence.js';
import type { Rule, RuleContext } from './context.js';
import type { SubmissionRequirement } from '../model.js';

export const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;
/** Enough of a file to tell a test report from anything else. */
const SNIFF_BYTES = 8192;

/** Parsed artifacts, shared by every requirement that cites the same file. */
export type ArtifactCache = Map<string, ParseResult | null>;

/** The parsed report for a file, null when it is not a test report (and not named like one). */
function readReport(abs: string, cache: ArtifactCache): ParseResult | null {
  const hit = cache.get(abs);
  if (hit !== undefined) return hit;
  let result: ParseResult | null = null;
  const head = readHead(abs, SNIFF_BYTES);
  const named = isArtifactName(basename(abs));
  if (head && (named || detectFormat(head.bytes.toString('utf8')))) {
    const read = readRegularFile(abs, MAX_ARTIFACT_BYTES, 'the limit for test reports');
    if (!read.ok) result = { ok: false, line: 1, col: 1, message: read.message };
    else if (read.bytes.includes(0)) result = { ok: false, line: 1, col: 1, message: 'binary content (NUL byte), not a test report' };
    else result = parseReport(read.bytes.toString('utf8'), basename(abs));
  }
  cache.set(abs, result);
  return result;
}

/** Why one evidence entry proves nothing, or undefined when it shows something. */
type EntryVerdict = { proves: true } | { proves: false; why: string };

/**
 * Local evidence exists, stays inside the submission and points at something; cited test reports
 * (recognised by content) show the requirement's test running and passing. A MUST answered
 * Implemented whose evidence all points at nothing is an error.
 */
export function evidenceRule(cache: ArtifactCache): Rule {
  return (ctx) => {
    for (const { req, want } of ctx.matched) {
      const verdicts = req.evidence.map((entry, i) => judgeEntry(ctx, req, entry, i, cache));
      if (want.level !== 'MUST' || req.status !== 'Implemented' || req.typeErrors.includes('evidence')) continue;
      if (verdicts.some((v) => v.proves)) continue;
      const why = verdicts.map((v) => (v.proves ? '' : v.why)).filter(Boolean);
      const detail = why.length === 0 ? 'the evidence list is empty' : [...new Set(why)].join('; ');
      ctx.report('EVIDENCE_PROVES_NOTHING', [...req.path, 'evidence'], `\`${req.id}\` is a MUST answered Implemented, but none of its evidence shows anything: ${detail}`, { requirement: req.id });
    }
  };
}

function judgeEntry(ctx: RuleContext, req: SubmissionRequirement, entry: string, i: number, cache: ArtifactCache): EntryVerdict {
  const path = [...req.path, 'evidence', i];
  const ref = resolveEvidence(entry, ctx.sub.file);
  const opts = { requirement: req.id };
  if (ref.kind === 'empty') {
    ctx.report('EVIDENCE_EMPTY_STRING', path, entry === '' ? 'empty evidence entry (proves nothing; remove it or add a link)' : 'whitespace-only evidence entry (proves nothing; remove it or add a link)', opts);
    return { proves: false, why: 'an empty entry' };
  }
  if (ref.kind === 'url') return { proves: true };
  if (ref.escapes) {
    ctx.report('EVIDENCE_PATH_ESCAPE', path, `\`${entry}\` points outside the submission folder; commit the file next to PRODUCT.yaml`, opts);
    return { proves: false, why: `\`${entry}\` is outside the submission` };
  }
  let st;
  try {
    st = statSync(ref.abs);
  } catch {
    ctx.report('EVIDENCE_FILE_MISSING', path, `evidence file \`${ref.rel}\` not found next to ${ctx.sub.file}`, opts);
    return { proves: false, why: `\`${ref.rel}\` does not exist` };
  }
  // A symlink inside the folder that leads out of it is not part of the pull request either.
  let real: string;
  try {
    real = realpathSync(ref.abs);
    const rel = relative(realpathSync(ref.productDir), real);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      ctx.report('EVIDENCE_PATH_ESCAPE', path, `\`${entry}\` is a symbolic link to ${real}, outside the submission folder`, opts);
      return { proves: false, why: `\`${entry}\` links outside the submission` };
    }
  } catch {
    ctx.report('EVIDENCE_FILE_MISSING', path, `evidence file \`${ref.rel}\` cannot be resolved (broken link?)`, opts);
    return { proves: false, why: `\`${ref.rel}\` cannot be resolved` };
  }
  const nowhere = (why: string): EntryVerdict => {
    ctx.report('EVIDENCE_POINTS_NOWHERE', path, `\`${entry}\` ${why}; cite the file that shows the requirement working`, opts);
    return { proves: false, why: `\`${entry}\` ${why}` };
  };
  if (st.isDirectory()) {
    if (relative(realpathSync(ref.productDir), real) === '') return nowhere('is the submission folder itself');
    let entries: string[];
    try {
      entries = readdirSync(ref.abs).filter((n) => !n.startsWith('.'));
    } catch {
      entries = [];
    }
    return entries.length === 0 ? nowhere('is an empty folder') : { proves: true };
  }
  if (!st.isFile()) return nowhere(`is ${kindOf(st)}`);
  if (real === realpathSync(ctx.sub.file)) return nowhere('is the PRODUCT.yaml itself');
  if (st.size === 0) return nowhere('is an empty file');
  const parsed = readReport(ref.abs, cache);
  if (parsed === null) return { proves: true };
  if (!parsed.ok) {
    ctx.report('ARTIFACT_UNPARSEABLE', path, `${ref.rel}:${parsed.line}:${parsed.col}: ${parsed.message}`, opts);
    return { proves: false, why: `\`${ref.rel}\` is an unreadable test report` };
  }
  return judgeReport(ctx, req, ref.rel, ref.fragment, parsed.report, path);
}

function judgeReport(ctx: RuleContext, req: SubmissionRequirement, rel: string, fragment: string | undefined, report: TestReport, path: (string | number)[]): EntryVerdict {
  const opts = { requirement: req.id };
  const ran = ranCount(report);
  if (ran === 0) {
    const skipped = report.format === 'ginkgo-log' ? '' : ` (${report.tests.size} test${report.tests.size === 1 ? '' : 's'} listed, all skipped)`;
    ctx.report('ARTIFACT_NOTHING_RAN', path, `${rel} is a ${FORMAT_NAMES[report.format]} in which no test ran${report.tests.size ? skipped : ''}: it proves nothing`, opts);
    return { proves: false, why: `\`${rel}\` ran no test` };
  }
  const goNames = [...report.tests.keys()].some((t) => /^Test[A-Z0-9_]/.test(t));
  // Reports without Go test names (a Ginkgo log, the e2e framework's junit_01.xml) are judged whole.
  if (!fragment && !goNames) {
    const failed = report.format === 'ginkgo-log' ? report.summary?.failed ?? 0 : [...report.tests.values()].filter((s) => s === 'fail').length;
    if (failed > 0) {
      ctx.report('ARTIFACT_TEST_FAILED', path, `${rel} reports ${failed} failed test${failed === 1 ? '' : 's'}`, opts);
      return { proves: false, why: `\`${rel}\` reports failures` };
    }
    flakyReport(ctx, req, rel, [...report.flaky], path);
    return { proves: true };
  }
  if (report.format === 'ginkgo-log') return { proves: true };
  const names = fragment ? [fragment] : knownTestsFor(req.id);
  if (names.length === 0) return { proves: true };
  const found = names.map((n) => ({ n, s: statusOf(report, n) })).filter((x) => x.s !== undefined);
  if (found.length === 0) {
    ctx.report('ARTIFACT_TEST_MISSING', path, `${rel} has no test ${names.join(' or ')} for \`${req.id}\``, opts);
    return { proves: false, why: `\`${rel}\` has no test for it` };
  }
  flakyReport(ctx, req, rel, [...report.flaky].filter((t) => found.some((f) => t === f.n || t.startsWith(`${f.n}/`))), path);
  const bad = found.filter((x) => x.s !== 'pass');
  if (bad.length < found.length) return { proves: true };
  const failedSubs = [...report.tests].filter(([t, s]) => s === 'fail' && bad.some((b) => t === b.n || t.startsWith(`${b.n}/`))).map(([t]) => t);
  const allSkipped = bad.every((b) => b.s === 'skip');
  const detail = failedSubs.length ? failedSubs.join(', ') : bad.map((b) => `${b.n} (${b.s === 'skip' ? (report.tests.get(b.n) === 'pass' ? 'passed, but every subtest skipped' : 'skipped') : 'failed'})`).join(', ');
  ctx.report('ARTIFACT_TEST_FAILED', path, `${rel}: ${detail}`, opts);
  return { proves: false, why: allSkipped ? `\`${rel}\` shows its test skipped` : `\`${rel}\` shows its test failing` };
}

function flakyReport(ctx: RuleContext, req: SubmissionRequirement, rel: string, flaky: string[], path: (string | number)[]) {
  if (flaky.length === 0) return;
  ctx.report('ARTIFACT_TEST_FLAKY', path, `${rel}: ${flaky.slice(0, 5).join(', ')}${flaky.length > 5 ? ` and ${flaky.length - 5} more` : ''} failed and then passed under the same name (a retry hides a failure)`, { requirement: req.id });
}

const FORMAT_NAMES: Record<TestReport['format'], string> = {
  junit: 'JUnit report',
  'go-test-json': '`go test -json` report',
  'go-test-text': '`go test -v` log',
  'ginkgo-log': 'Ginkgo log',
};
