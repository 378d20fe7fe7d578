import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Kind } from '../cluster/api.js';
import type { ClusterView } from '../cluster/view.js';
import type { WatchTarget } from '../cluster/wait.js';
import type { Level } from '../standard/catalog.js';
import type { AcceleratorProfile } from './profiles/accelerators.js';
import type { ImageSet } from './images.js';

export type NotRunReason = 'missing-component' | 'missing-rbac' | 'timeout' | 'interrupted' | 'api-error' | 'no-verdict' | 'simulated-nodes' | 'no-check';

/** How one case (a subtest) ended. Nothing falls through to pass. */
export type CaseOutcome =
  | { verdict: 'pass'; observed: string }
  | { verdict: 'fail'; expected: string; observed: string }
  | { verdict: 'not-run'; reason: NotRunReason; detail: string; remedy?: string }
  | { verdict: 'error'; detail: string };

export interface CaseResult {
  readonly name: string;
  readonly outcome: CaseOutcome;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly log: readonly string[];
}

export type Verdict = 'PASS' | 'FAIL' | 'NOT-RUN' | 'N/A' | 'ERROR';

/** What a requirement's run produced. Definitions (Check) never hold results. */
export interface CheckResult {
  readonly id: string;
  readonly level: Level;
  readonly testName: string;
  readonly verdict: Verdict;
  readonly cases: readonly CaseResult[];
  /** Why the whole check did not run (discovery found nothing to prove, or no check exists). */
  readonly notRun?: { reason: NotRunReason; detail: string; remedy?: string };
  /** The user's justification, for N/A. */
  readonly notApplicable?: string;
  /** Solutions and facts discovery found (e.g. gang scheduler: native). */
  readonly found: Readonly<Record<string, string>>;
  /** kubectl commands that reproduce the check by hand. */
  readonly procedure: readonly string[];
  /** Extra evidence files (name → content), written under evidence/<id>/. */
  readonly evidence: Readonly<Record<string, string>>;
  readonly leaked: readonly string[];
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** A check's verdict is derived from its cases, never stored by the check. */
export function deriveVerdict(cases: readonly CaseResult[]): Verdict {
  if (cases.length === 0) return 'NOT-RUN';
  const v = cases.map((c) => c.outcome.verdict);
  if (v.includes('fail')) return 'FAIL';
  if (v.includes('error')) return 'ERROR';
  if (v.includes('not-run')) return 'NOT-RUN';
  return 'PASS';
}

export interface RunOptions {
  readonly accelerator: AcceleratorProfile;
  readonly images: ImageSet;
  /** Per-check settings (e.g. gang.scheduler = kueue, gang.window = 20s). */
  readonly settings: Readonly<Record<string, string>>;
}

export type Discovery<Env> =
  | { ready: true; env: Env; found: Record<string, string> }
  | { ready: false; reason: NotRunReason; detail: string; remedy?: string; found?: Record<string, string> };

export interface CaseHandle {
  pass(observed: string): void;
  fail(expected: string, observed: string): void;
  notRun(reason: NotRunReason, detail: string, remedy?: string): void;
  log(line: string): void;
}

/** The only way a check touches the cluster while proving. */
export interface CheckScope {
  readonly kc: KubeConfig;
  readonly view: ClusterView;
  readonly options: RunOptions;
  readonly namespace: string;
  readonly signal: AbortSignal;
  case(name: string, fn: (c: CaseHandle) => Promise<void>): Promise<void>;
  create<T extends KubernetesObject>(kind: Kind, obj: T): Promise<T>;
  delete(kind: Kind, name: string): Promise<void>;
  waitFor<T>(target: WatchTarget, what: string, done: (items: ReadonlyMap<string, KubernetesObject>) => T | undefined, timeoutMs: number, describe?: (items: ReadonlyMap<string, KubernetesObject>) => string): Promise<T>;
  /** For negative claims: watches for `violation` for the whole window. */
  holdsFor(target: WatchTarget, what: string, violation: (items: ReadonlyMap<string, KubernetesObject>) => string | undefined, windowMs: number): Promise<{ held: true } | { held: false; violation: string }>;
  evidence(name: string, content: string): void;
  log(line: string): void;
}

export interface Check<Env = unknown> {
  readonly id: string;
  /** The go-test name in artifacts: upstream's where it has one. */
  readonly testName: string;
  /** Declared up front, so unreached cases show as not-run. */
  readonly cases: readonly string[];
  discover(view: ClusterView, options: RunOptions): Promise<Discovery<Env>>;
  prove(env: Env, scope: CheckScope): Promise<void>;
  /** kubectl commands reproducing the check (namespace placeholder: $NS). */
  procedure(env: Env, options: RunOptions): string[];
}

export const defineCheck = <Env>(c: Check<Env>): Check<Env> => c;
