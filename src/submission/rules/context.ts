import type { DiagnosticCode } from '../../source/codes.js';
import { diagnostic, lazyDiagnostic, type Diagnostic, type Path } from '../../source/diagnostic.js';
import { locate } from '../../source/yaml-file.js';
import type { Checklist, ChecklistRequirement } from '../../standard/checklist.js';
import type { Submission, SubmissionRequirement } from '../model.js';

/** What every rule sees: the submission, the checklist it is judged against, and a reporter. */
export interface RuleContext {
  readonly sub: Submission;
  readonly checklist: Checklist;
  readonly version: string;
  /** The submission's requirements matched to the checklist (first occurrence of each id). */
  readonly matched: readonly { req: SubmissionRequirement; want: ChecklistRequirement }[];
  report(code: DiagnosticCode, path: Path, message: string, opts?: { requirement?: string; key?: boolean }): void;
}

export type Rule = (ctx: RuleContext) => void;

/** The checklist's requirements by category/id, built once per checklist. */
const byKey = new WeakMap<Checklist, Map<string, ChecklistRequirement>>();
function wantedOf(checklist: Checklist): Map<string, ChecklistRequirement> {
  let m = byKey.get(checklist);
  if (!m) byKey.set(checklist, (m = new Map(checklist.categories.flatMap((c) => c.requirements).map((r) => [`${r.category}/${r.id}`, r]))));
  return m;
}

export function makeContext(sub: Submission, checklist: Checklist, version: string, sink: Diagnostic[], opts: { lazyPositions?: boolean } = {}): RuleContext {
  const wanted = wantedOf(checklist);
  const seen = new Set<string>();
  const matched: RuleContext['matched'][number][] = [];
  for (const req of sub.requirements) {
    const key = `${req.category}/${req.id}`;
    const want = wanted.get(key);
    if (want && !seen.has(key)) {
      seen.add(key);
      matched.push({ req, want });
    }
  }
  const lazy = opts.lazyPositions ?? false;
  return {
    sub,
    checklist,
    version,
    matched,
    report(code, path, message, o = {}) {
      if (lazy) sink.push(lazyDiagnostic(code, sub.file, () => locate(sub.src, path, { key: o.key }), path, message, { requirement: o.requirement }));
      else sink.push(diagnostic(code, { file: sub.file, ...locate(sub.src, path, { key: o.key }) }, path, message, { requirement: o.requirement }));
    },
  };
}
