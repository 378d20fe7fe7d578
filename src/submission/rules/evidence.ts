import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseArtifact, statusOf, type ParseResult } from '../../artifacts/go-test-report.js';
import { knownTestsFor } from '../../standard/checklist.js';
import { artifactNameOf, resolveEvidence } from '../evidence.js';
import type { Rule } from './context.js';

const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;

/** Parsed artifacts, shared by every requirement that cites the same file. */
export type ArtifactCache = Map<string, ParseResult>;

function readArtifact(abs: string, name: 'junit.xml' | 'results.json' | 'e2e.log', cache: ArtifactCache): ParseResult {
  const hit = cache.get(abs);
  if (hit) return hit;
  let result: ParseResult;
  if (statSync(abs).size > MAX_ARTIFACT_BYTES) result = { ok: false, line: 1, col: 1, message: `larger than ${MAX_ARTIFACT_BYTES / 1048576} MiB` };
  else result = parseArtifact(name, readFileSync(abs, 'utf8'));
  cache.set(abs, result);
  return result;
}

/** Local evidence exists and stays inside the submission; cited test artifacts show the test passing. */
export function evidenceRule(cache: ArtifactCache): Rule {
  return (ctx) => {
    for (const { req } of ctx.matched) {
      req.evidence.forEach((entry, i) => {
        const path = [...req.path, 'evidence', i];
        const ref = resolveEvidence(entry, ctx.sub.file);
        if (ref.kind === 'empty') {
          ctx.report('EVIDENCE_EMPTY_STRING', path, 'empty evidence entry (proves nothing; remove it or add a link)', { requirement: req.id });
          return;
        }
        if (ref.kind === 'url') return;
        if (ref.escapes) {
          ctx.report('EVIDENCE_PATH_ESCAPE', path, `\`${entry}\` points outside the submission folder; commit the file next to PRODUCT.yaml`, { requirement: req.id });
          return;
        }
        if (!existsSync(ref.abs)) {
          ctx.report('EVIDENCE_FILE_MISSING', path, `evidence file \`${ref.rel}\` not found next to ${ctx.sub.file}`, { requirement: req.id });
          return;
        }
        const name = artifactNameOf(ref);
        if (!name || statSync(ref.abs).isDirectory()) return;
        const parsed = readArtifact(ref.abs, name, cache);
        if (!parsed.ok) {
          ctx.report('ARTIFACT_UNPARSEABLE', path, `${ref.rel}:${parsed.line}:${parsed.col}: ${parsed.message}`, { requirement: req.id });
          return;
        }
        const report = parsed.report;
        if (report.format === 'ginkgo-log') {
          if (report.summary && report.summary.failed > 0) ctx.report('ARTIFACT_TEST_FAILED', path, `${ref.rel} reports ${report.summary.failed} failed spec(s)`, { requirement: req.id });
          return;
        }
        const names = ref.fragment ? [ref.fragment] : knownTestsFor(req.id);
        if (names.length === 0) return;
        const found = names.map((n) => ({ n, s: statusOf(report, n) })).filter((x) => x.s !== undefined);
        if (found.length === 0) {
          ctx.report('ARTIFACT_TEST_MISSING', path, `${ref.rel} has no test ${names.join(' or ')} for \`${req.id}\``, { requirement: req.id });
          return;
        }
        const bad = found.filter((x) => x.s !== 'pass');
        if (bad.length === found.length) {
          const failedSubs = [...report.tests].filter(([t, s]) => s === 'fail' && bad.some((b) => t === b.n || t.startsWith(`${b.n}/`))).map(([t]) => t);
          const detail = failedSubs.length ? failedSubs.join(', ') : bad.map((b) => `${b.n} (${b.s === 'skip' ? 'skipped' : 'failed'})`).join(', ');
          ctx.report('ARTIFACT_TEST_FAILED', path, `${ref.rel}: ${detail}`, { requirement: req.id });
        }
      });
    }
  };
}
