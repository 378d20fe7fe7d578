import type { CaseResult, NotRunReason } from './outcome.js';

export type Level = 'MUST' | 'SHOULD';
export type Verdict = 'PASS' | 'FAIL' | 'NOT-RUN' | 'N/A' | 'ERROR';

/** One object a check created, as it was sent (for test_procedure.sh). */
export interface CreatedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The manifest as created, run labels included. */
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly case?: string;
}

/** What a requirement's run produced. Definitions (Check) never hold results. */
export interface CheckResult {
  readonly id: string;
  readonly level: Level;
  readonly testName: string;
  readonly verdict: Verdict;
  readonly cases: readonly CaseResult[];
  /** Why the whole check did not run (discovery found nothing to prove, or no check exists). */
  readonly notRun?: { readonly reason: NotRunReason; readonly detail: string; readonly remedy?: string };
  /** The user's justification, for N/A. */
  readonly notApplicable?: string;
  /** Solutions and facts discovery found (e.g. gang scheduler: native). */
  readonly found: Readonly<Record<string, string>>;
  readonly created: readonly CreatedObject[];
  /** Nodes the check was given to work on (capacity lease). */
  readonly nodes: readonly string[];
  /** Extra evidence files (name → content), written under evidence/<id>/. */
  readonly evidence: Readonly<Record<string, string>>;
  readonly leaked: readonly string[];
  readonly startedAt: number;
  readonly finishedAt: number;
}

/**
 * A check's verdict is derived from its cases, never stored by the check. No case is NOT-RUN; any
 * fail is FAIL; then error; then not-run; cases that do not apply are neutral, but a check whose
 * every case is not-applicable is NOT-RUN (nothing was proven).
 */
export function deriveVerdict(cases: readonly CaseResult[]): Verdict {
  const v = cases.map((c) => c.outcome.verdict);
  if (v.includes('fail')) return 'FAIL';
  if (v.includes('error')) return 'ERROR';
  if (v.includes('not-run')) return 'NOT-RUN';
  if (!v.includes('pass')) return 'NOT-RUN';
  return 'PASS';
}
