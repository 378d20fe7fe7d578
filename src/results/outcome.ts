/**
 * How one case (a subtest) ended. This folder is a leaf: checks, the engine, artifact writing and
 * renderers all depend on it, and it depends on nothing of kaic's.
 */
export type NotRunReason =
  | 'missing-component'
  | 'missing-rbac'
  | 'timeout'
  | 'interrupted'
  | 'api-error'
  | 'image-unavailable'
  | 'no-verdict'
  | 'control-failed'
  | 'simulated-nodes'
  | 'no-check';

export type CaseOutcome =
  | { readonly verdict: 'pass'; readonly observed: string }
  | { readonly verdict: 'fail'; readonly expected: string; readonly observed: string }
  | { readonly verdict: 'not-run'; readonly reason: NotRunReason; readonly detail: string; readonly remedy?: string }
  /** The cluster does not use this path (e.g. the device-plugin case on a DRA-only cluster). */
  | { readonly verdict: 'not-applicable'; readonly because: string }
  | { readonly verdict: 'error'; readonly detail: string; readonly remedy?: string };

/**
 * Which of two outcomes a case keeps when it reports twice: a fail, an error or an interruption
 * overrides a pass; an observed fail is never overridden (a later timeout or interrupt of the
 * clean-up must not turn it into NOT-RUN).
 */
const RANK: Record<CaseOutcome['verdict'], number> = { pass: 0, 'not-applicable': 1, 'not-run': 2, error: 3, fail: 4 };
export function stronger(current: CaseOutcome | undefined, next: CaseOutcome): CaseOutcome {
  if (!current) return next;
  return RANK[next.verdict] > RANK[current.verdict] ? next : current;
}

export interface CaseResult {
  readonly name: string;
  readonly outcome: CaseOutcome;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly log: readonly string[];
}
