import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ApiError, type Kind } from '../cluster/api.js';
import { RunScope, cleanupLabelled, findLabelled, refText } from '../cluster/scope.js';
import { isReady, type ClusterView } from '../cluster/view.js';
import { withCheck } from '../cluster/metrics.js';
import { WaitTimeout, waitFor } from '../cluster/wait.js';
import { CHECKS } from '../checks/registry.js';
import { deriveVerdict, type CaseHandle, type CaseOutcome, type CaseResult, type Check, type CheckResult, type CheckScope, type NotRunReason, type RunOptions } from '../checks/types.js';
import type { Level } from '../standard/catalog.js';
import { catalogEntry } from '../standard/catalog.js';
import { KAIC_VERSION } from '../version.js';
import type { RunResult } from './model.js';

export interface PlannedRequirement {
  readonly id: string;
  readonly level: Level;
  readonly na?: string;
}

export type ProgressEvent =
  | { type: 'check-start'; id: string; at: number }
  | { type: 'case'; id: string; case: string; verdict: CaseOutcome['verdict']; at: number }
  | { type: 'check-end'; id: string; verdict: CheckResult['verdict']; at: number; seconds: number }
  | { type: 'cleanup'; id: string; leaked: number; at: number };

export interface EngineInput {
  readonly kc: KubeConfig;
  readonly view: ClusterView;
  readonly version: string;
  readonly plan: readonly PlannedRequirement[];
  readonly options: RunOptions;
  readonly accelerator: { profile: string; detected: boolean };
  readonly runId: string;
  readonly parallel: number;
  /** The longest one check may take. */
  readonly checkTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly progress?: (e: ProgressEvent) => void;
  readonly now?: () => number;
}

class Interrupted extends Error {}

/** Runs the plan: discover → prove → clean up, per requirement, up to `parallel` at once. */
export async function runPlan(input: EngineInput): Promise<RunResult> {
  const now = input.now ?? Date.now;
  const startedAt = now();
  const results: CheckResult[] = new Array(input.plan.length);
  let next = 0;
  const worker = async () => {
    while (next < input.plan.length) {
      const i = next++;
      const req = input.plan[i]!;
      results[i] = await withCheck(req.id, () => runOne(input, req, now));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(input.parallel, input.plan.length)) }, worker));
  // Leak check: whatever still carries the run label after every sweep (a killed sweep, a stuck finalizer).
  let leaked: string[] = [];
  try {
    let left = await findLabelled(input.kc, input.runId);
    if (left.length) left = (await cleanupLabelled(input.kc, input.runId, 60_000)).left;
    leaked = left.map(refText);
  } catch (e) {
    leaked = [`leak check failed: ${(e as Error).message}`];
  }
  const view = input.view;
  const accelerators = view.nodes.flatMap((n) =>
    Object.entries(n.status?.allocatable ?? {})
      .filter(([k]) => /\.(com|io|ai)\//.test(k) && k !== 'hugepages')
      .map(([resource, count]) => ({ node: n.metadata!.name!, resource, count: String(count), product: n.metadata?.labels?.['nvidia.com/gpu.product'] })),
  );
  return {
    runId: input.runId,
    version: input.version,
    kaicVersion: KAIC_VERSION,
    startedAt,
    finishedAt: now(),
    interrupted: input.signal.aborted,
    cluster: { server: view.server, kubernetesVersion: view.version.gitVersion, nodes: view.nodes.length, readyNodes: view.nodes.filter(isReady).length, simulated: view.simulated, accelerators },
    accelerator: input.accelerator,
    images: input.options.images,
    checks: results,
    leaked,
  };
}

function classify(e: unknown, signal: AbortSignal, timedOut: () => boolean): CaseOutcome {
  if (timedOut()) return { verdict: 'not-run', reason: 'timeout', detail: 'the check ran out of time (--timeout)', remedy: 'raise --timeout' };
  if (signal.aborted || e instanceof Interrupted) return { verdict: 'not-run', reason: 'interrupted', detail: 'the run was interrupted' };
  if (e instanceof WaitTimeout) return { verdict: 'not-run', reason: 'timeout', detail: e.message };
  if (e instanceof ApiError && e.forbidden) return { verdict: 'error', detail: `missing RBAC: ${e.reason} (see \`kaic rbac\`)` };
  if (e instanceof ApiError) return { verdict: 'error', detail: `API error: ${e.message}` };
  return { verdict: 'error', detail: `unexpected: ${(e as Error)?.message ?? String(e)}` };
}

async function runOne(input: EngineInput, req: PlannedRequirement, now: () => number): Promise<CheckResult> {
  const startedAt = now();
  const check = CHECKS.get(req.id);
  const testName = check?.testName ?? catalogEntry(req.id)?.tests[0] ?? `Test${req.id.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;
  const base = { id: req.id, level: req.level, testName, found: {}, procedure: [], evidence: {}, leaked: [], startedAt };
  input.progress?.({ type: 'check-start', id: req.id, at: startedAt });
  const done = (r: CheckResult) => {
    input.progress?.({ type: 'check-end', id: req.id, verdict: r.verdict, at: r.finishedAt, seconds: (r.finishedAt - r.startedAt) / 1000 });
    return r;
  };
  if (req.na !== undefined) return done({ ...base, verdict: 'N/A', cases: [], notApplicable: req.na, finishedAt: now() });
  if (!check) {
    return done({ ...base, verdict: 'NOT-RUN', cases: [], notRun: { reason: 'no-check', detail: `kaic has no automated check for ${req.id} yet`, remedy: 'prove it by hand and cite that evidence' }, finishedAt: now() });
  }
  if (input.signal.aborted) return done({ ...base, verdict: 'NOT-RUN', cases: [], notRun: { reason: 'interrupted', detail: 'the run was interrupted before this check started' }, finishedAt: now() });
  let discovery;
  try {
    discovery = await check.discover(input.view, input.options);
  } catch (e) {
    const o = classify(e, input.signal, () => false);
    const reason: NotRunReason = e instanceof ApiError && e.forbidden ? 'missing-rbac' : 'api-error';
    return done({ ...base, verdict: o.verdict === 'error' ? 'ERROR' : 'NOT-RUN', cases: [], notRun: { reason, detail: o.verdict === 'error' || o.verdict === 'not-run' ? o.detail : String(e) }, finishedAt: now() });
  }
  if (!discovery.ready) {
    return done({ ...base, verdict: 'NOT-RUN', cases: [], found: discovery.found ?? {}, notRun: { reason: discovery.reason, detail: discovery.detail, remedy: discovery.remedy }, procedure: [], finishedAt: now() });
  }
  const env = discovery.env;
  const scope = new RunScope(input.kc, input.runId);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Interrupted('timeout')), input.checkTimeoutMs);
  const signal = AbortSignal.any([input.signal, timeout.signal]);
  const cases: CaseResult[] = [];
  const evidence: Record<string, string> = {};
  const log: string[] = [];
  let namespace = '';
  try {
    // The run namespace enforces the restricted Pod Security Standard: every probe kaic runs must pass it.
    const ns = await scope.create('Namespace', { metadata: { name: `kaic-${input.runId}-${req.id.replace(/_/g, '-')}`.slice(0, 63).replace(/-+$/, ''), labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }, { check: req.id, signal });
    namespace = ns.metadata!.name!;
    const cs = checkScope(input, check, scope, namespace, signal, cases, evidence, log, now, () => timeout.signal.aborted);
    await check.prove(env, cs);
  } catch (e) {
    // An error outside any case: the cases that did not finish are reported below with this cause.
    log.push(`check stopped: ${(e as Error)?.message ?? String(e)}`);
    const o = classify(e, input.signal, () => timeout.signal.aborted);
    const at = now();
    for (const name of check.cases) if (!cases.some((c) => c.name === name)) cases.push({ name, outcome: o, startedAt: at, finishedAt: at, log: [] });
  } finally {
    clearTimeout(timer);
  }
  // Cleanup always runs, also after an interrupt; its failure never hides the verdict.
  const swept = await scope.sweep();
  const leaked = swept.failed.map((f) => `${refText(f.ref)}: ${f.error}`);
  input.progress?.({ type: 'cleanup', id: req.id, leaked: leaked.length, at: now() });
  const at = now();
  for (const name of check.cases) {
    if (!cases.some((c) => c.name === name)) {
      const outcome: CaseOutcome = input.signal.aborted ? { verdict: 'not-run', reason: 'interrupted', detail: 'the run was interrupted' } : { verdict: 'not-run', reason: 'no-verdict', detail: 'not reached' };
      cases.push({ name, outcome, startedAt: at, finishedAt: at, log: [] });
    }
  }
  cases.sort((a, b) => check.cases.indexOf(a.name) - check.cases.indexOf(b.name));
  if (log.length) evidence['check.log'] = `${log.join('\n')}\n`;
  return done({ ...base, verdict: deriveVerdict(cases), cases, found: discovery.found, procedure: check.procedure(env, input.options), evidence, leaked, finishedAt: now() });
}

function checkScope(input: EngineInput, check: Check<unknown>, scope: RunScope, namespace: string, signal: AbortSignal, cases: CaseResult[], evidence: Record<string, string>, log: string[], now: () => number, timedOut: () => boolean): CheckScope {
  const kc = input.kc;
  return {
    kc,
    view: input.view,
    options: input.options,
    namespace,
    signal,
    async case(name, fn) {
      if (!check.cases.includes(name)) throw new Error(`${check.id}: case ${name} is not declared`);
      const startedAt = now();
      const lines: string[] = [];
      let outcome: CaseOutcome | undefined;
      const set = (o: CaseOutcome) => {
        outcome ??= o;
      };
      const handle: CaseHandle = {
        pass: (observed) => set({ verdict: 'pass', observed }),
        fail: (expected, observed) => set({ verdict: 'fail', expected, observed }),
        notRun: (reason, detail, remedy) => set({ verdict: 'not-run', reason, detail, ...(remedy ? { remedy } : {}) }),
        log: (l) => lines.push(l),
      };
      if (signal.aborted) set(classify(signal.reason, input.signal, timedOut));
      else {
        try {
          await fn(handle);
        } catch (e) {
          set(classify(e, input.signal, timedOut));
        }
      }
      const final = outcome ?? { verdict: 'not-run', reason: 'no-verdict', detail: 'the case ended without a verdict' };
      cases.push({ name, outcome: final, startedAt, finishedAt: now(), log: lines });
      input.progress?.({ type: 'case', id: check.id, case: name, verdict: final.verdict, at: now() });
      if (signal.aborted) throw new Interrupted('interrupted');
    },
    create<T extends KubernetesObject>(kind: Kind, obj: T) {
      return scope.create(kind, obj, { check: check.id, signal });
    },
    delete(kind: Kind, name: string) {
      return scope.delete({ kind, name, namespace });
    },
    waitFor(target, what, done, timeoutMs, describe) {
      return waitFor(kc, target, what, done, { timeoutMs, signal, describe });
    },
    async holdsFor(target, what, violation, windowMs) {
      try {
        const v = await waitFor(kc, target, what, violation, { timeoutMs: windowMs, signal });
        return { held: false, violation: v };
      } catch (e) {
        if (e instanceof WaitTimeout) return { held: true };
        throw e;
      }
    },
    evidence(name, content) {
      evidence[name] = content;
    },
    log(line) {
      log.push(line);
    },
  };
}
