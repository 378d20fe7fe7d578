import type { CaseHandle, Check, CheckScope, ClusterFacts, DiscoverContext, Discovery, TypeRef } from '../checks/api.js';
import type { ImageSet } from '../checks/images.js';
import type { AcceleratorProfile } from '../checks/profiles/accelerators.js';
import { resolveSettings } from '../checks/settings.js';
import { deriveVerdict, stronger, type CaseOutcome, type CaseResult, type CheckResult, type CreatedObject, type Level } from '../results/index.js';
import { classify } from './classify.js';
import { NodeLeases } from './leases.js';

export interface PlannedRequirement {
  readonly id: string;
  readonly level: Level;
  readonly testName: string;
  readonly na?: string;
}

export type ProgressEvent =
  | { type: 'check-start'; id: string; at: number }
  | { type: 'case'; id: string; case: string; verdict: CaseOutcome['verdict']; at: number }
  | { type: 'check-end'; id: string; verdict: CheckResult['verdict']; at: number; seconds: number }
  | { type: 'cleanup'; id: string; leaked: number; at: number };

/** The cluster side of one check's scope: everything in CheckScope that touches the cluster. */
export type ScopeOps = Omit<CheckScope, 'case' | 'evidence' | 'log' | 'namespace' | 'signal' | 'settings' | 'nodes' | 'accelerator' | 'images' | 'cluster'>;

export interface CheckSession {
  readonly namespace: string;
  readonly ops: ScopeOps;
  /** Tags what is created from now on with a case name (undefined: the check's own). */
  setCase(name: string | undefined): void;
  /** How many objects were created so far (a mark for `sweep`). */
  mark(): number;
  /** Removes what was created since `from` (all when omitted), newest first; returns what stayed. Never throws. */
  sweep(from?: number): Promise<string[]>;
  created(): readonly CreatedObject[];
}

/** What the engine needs from a cluster; the real one is cluster-session.ts, tests use a fake. */
export interface Backend {
  readonly facts: ClusterFacts;
  list<T>(type: TypeRef, signal: AbortSignal): Promise<T[]>;
  scan<T, R>(type: TypeRef & { readonly namespace?: string }, pick: (item: T) => R | undefined, signal: AbortSignal): Promise<R[]>;
  open(check: Check, signal: AbortSignal): Promise<CheckSession>;
  /** Everything still labelled with the run after every sweep, removed where possible; what is left. */
  leakCheck(): Promise<string[]>;
}

export interface EngineInput {
  readonly backend: Backend;
  readonly checks: ReadonlyMap<string, Check>;
  readonly plan: readonly PlannedRequirement[];
  readonly accelerator: AcceleratorProfile;
  readonly images: ImageSet;
  readonly settings: Readonly<Record<string, string>>;
  /** Accelerator nodes that capacity leases are made of. */
  readonly acceleratorNodes: readonly string[];
  readonly parallel: number;
  /** Overrides every check's own timeout (--timeout). */
  readonly checkTimeoutMs?: number;
  readonly signal: AbortSignal;
  readonly progress?: (e: ProgressEvent) => void;
  readonly now?: () => number;
}

export interface EngineOutput {
  readonly checks: readonly CheckResult[];
  readonly leaked: readonly string[];
  readonly interrupted: boolean;
}

class CheckDeadline extends Error {}

/**
 * Runs the plan: discover → prove → clean up, per requirement, up to `parallel` at once. Each check
 * settles on its own: one that throws never skips another's cleanup or the leak check.
 */
export async function runEngine(input: EngineInput): Promise<EngineOutput> {
  const now = input.now ?? Date.now;
  const results: CheckResult[] = new Array(input.plan.length);
  const leases = new NodeLeases();
  let next = 0;
  const worker = async () => {
    while (next < input.plan.length) {
      const i = next++;
      const req = input.plan[i]!;
      const startedAt = now();
      try {
        results[i] = await runOne(input, req, leases, now);
      } catch (e) {
        // runOne settles every case itself; reaching here is a bug, reported as one without stopping others.
        results[i] = { ...emptyResult(req, startedAt), verdict: 'ERROR', notRun: { reason: 'api-error', detail: `unexpected error (a kaic bug): ${(e as Error)?.message ?? String(e)}` }, finishedAt: now() };
      } finally {
        leases.release(req.id);
      }
    }
  };
  await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(input.parallel, input.plan.length)) }, worker));
  let leaked: string[];
  try {
    leaked = await input.backend.leakCheck();
  } catch (e) {
    leaked = [`leak check failed: ${(e as Error)?.message ?? String(e)}`];
  }
  return { checks: results, leaked, interrupted: input.signal.aborted };
}

function emptyResult(req: PlannedRequirement, startedAt: number): Omit<CheckResult, 'verdict' | 'finishedAt'> {
  return { id: req.id, level: req.level, testName: req.testName, cases: [], found: {}, created: [], nodes: [], evidence: {}, leaked: [], startedAt };
}

async function runOne(input: EngineInput, req: PlannedRequirement, leases: NodeLeases, now: () => number): Promise<CheckResult> {
  const startedAt = now();
  const base = emptyResult(req, startedAt);
  input.progress?.({ type: 'check-start', id: req.id, at: startedAt });
  const done = (r: CheckResult) => {
    input.progress?.({ type: 'check-end', id: req.id, verdict: r.verdict, at: r.finishedAt, seconds: (r.finishedAt - r.startedAt) / 1000 });
    return r;
  };
  const check = input.checks.get(req.id);
  if (req.na !== undefined) return done({ ...base, verdict: 'N/A', notApplicable: req.na, finishedAt: now() });
  if (!check) return done({ ...base, verdict: 'NOT-RUN', notRun: { reason: 'no-check', detail: `kaic has no automated check for ${req.id} yet`, remedy: 'prove it by hand and cite that evidence' }, finishedAt: now() });
  if (input.signal.aborted) return done({ ...base, verdict: 'NOT-RUN', notRun: { reason: 'interrupted', detail: 'the run was interrupted before this check started' }, finishedAt: now() });

  const timeoutMs = input.checkTimeoutMs ?? check.timeoutMs;
  const deadline = new AbortController();
  // The check's own clock starts when its capacity is leased (waiting for another check's nodes is
  // not this check's time); discovery and the lease wait are bounded by the same amount again.
  let timer = setTimeout(() => deadline.abort(new CheckDeadline(`${req.id} ran out of time`)), 2 * timeoutMs);
  const restartClock = () => {
    clearTimeout(timer);
    timer = setTimeout(() => deadline.abort(new CheckDeadline(`${req.id} ran out of time`)), timeoutMs);
  };
  const signal = AbortSignal.any([input.signal, deadline.signal]);
  const ctx = () => ({ interrupted: input.signal.aborted, timedOut: deadline.signal.aborted && !input.signal.aborted, timeoutMs });
  const settings = resolveSettings(check.settings, input.settings);
  if (check.capacity) leases.expect(req.id, check.capacity);

  let discovery: Discovery<unknown>;
  try {
    const dctx: DiscoverContext<typeof settings> = { cluster: input.backend.facts, settings, accelerator: input.accelerator, images: input.images, signal, list: (t) => input.backend.list(t, signal), scan: (t, pick) => input.backend.scan(t, pick, signal) };
    discovery = await check.discover(dctx);
  } catch (e) {
    clearTimeout(timer);
    const o = classify(e, ctx());
    const detail = 'detail' in o ? o.detail : String(e);
    const reason = o.verdict === 'not-run' ? o.reason : detail.startsWith('missing RBAC') ? 'missing-rbac' : 'api-error';
    return done({ ...base, verdict: o.verdict === 'error' ? 'ERROR' : 'NOT-RUN', notRun: { reason, detail, ...(o.verdict === 'error' && o.remedy ? { remedy: o.remedy } : {}) }, finishedAt: now() });
  }
  if (!discovery.ready) {
    clearTimeout(timer);
    return done({ ...base, verdict: 'NOT-RUN', found: discovery.found ?? {}, notRun: { reason: discovery.reason, detail: discovery.detail, ...(discovery.remedy ? { remedy: discovery.remedy } : {}) }, finishedAt: now() });
  }

  const cases: CaseResult[] = [];
  const evidence: Record<string, string> = {};
  const log: string[] = [];
  const leaked: string[] = [];
  let session: CheckSession | undefined;
  let nodes: string[] = [];
  const settle = (name: string, outcome: CaseOutcome, at = now()) => {
    if (cases.some((c) => c.name === name)) return;
    cases.push({ name, outcome, startedAt: at, finishedAt: at, log: [] });
  };
  try {
    const candidates = discovery.nodes ?? input.acceleratorNodes;
    const capacity = discovery.capacity ?? check.capacity;
    if (capacity && candidates.length) {
      nodes = await leases.acquire(req.id, capacity, candidates, signal);
      log.push(`capacity: leased ${nodes.join(', ')}`);
    } else leases.release(req.id);
    restartClock();
    session = await input.backend.open(check, signal);
    const s = session;
    const scope: CheckScope<typeof settings> = {
      ...s.ops,
      namespace: s.namespace,
      signal,
      settings,
      accelerator: input.accelerator,
      images: input.images,
      cluster: input.backend.facts,
      nodes,
      async case(name, fn) {
        if (!check.cases.includes(name)) throw new Error(`${check.id}: case ${name} is not declared`);
        if (cases.some((c) => c.name === name)) throw new Error(`${check.id}: case ${name} ran twice`);
        const started = now();
        const lines: string[] = [];
        let outcome: CaseOutcome | undefined;
        const set = (o: CaseOutcome) => (outcome = stronger(outcome, o));
        const handle: CaseHandle = {
          pass: (observed) => set({ verdict: 'pass', observed }),
          fail: (expected, observed) => set({ verdict: 'fail', expected, observed }),
          notRun: (reason, detail, remedy) => set({ verdict: 'not-run', reason, detail, ...(remedy ? { remedy } : {}) }),
          notApplicable: (because) => set({ verdict: 'not-applicable', because }),
          log: (l) => lines.push(l),
        };
        const mark = s.mark();
        s.setCase(name);
        let thrown: unknown;
        if (signal.aborted) set(classify(signal.reason, ctx()));
        else {
          try {
            await fn(handle);
          } catch (e) {
            set(classify(e, ctx()));
            thrown = e;
          }
        }
        // The verdict is settled from what was observed; then the case's objects go.
        const final: CaseOutcome = outcome ?? { verdict: 'not-run', reason: 'no-verdict', detail: 'the case ended without a verdict (a kaic bug)' };
        cases.push({ name, outcome: final, startedAt: started, finishedAt: now(), log: lines });
        input.progress?.({ type: 'case', id: check.id, case: name, verdict: final.verdict, at: now() });
        s.setCase(undefined);
        leaked.push(...(await s.sweep(mark)));
        if (signal.aborted) throw signal.reason ?? thrown;
        return final;
      },
      evidence(name, content) {
        evidence[name] = content;
      },
      log(line) {
        log.push(line);
      },
    };
    await check.prove(discovery.env, scope);
  } catch (e) {
    // An error outside any case: the cases that did not finish carry its classification.
    const o = classify(e, ctx());
    log.push(`check stopped: ${'detail' in o ? o.detail : String(e)}`);
    for (const name of check.cases) settle(name, o);
  } finally {
    clearTimeout(timer);
    if (session) leaked.push(...(await session.sweep()));
    leases.release(req.id);
    input.progress?.({ type: 'cleanup', id: req.id, leaked: leaked.length, at: now() });
  }
  for (const name of check.cases) settle(name, input.signal.aborted ? { verdict: 'not-run', reason: 'interrupted', detail: 'the run was interrupted' } : { verdict: 'not-run', reason: 'no-verdict', detail: 'not reached' });
  cases.sort((a, b) => check.cases.indexOf(a.name) - check.cases.indexOf(b.name));
  if (log.length) evidence['check.log'] = `${log.join('\n')}\n`;
  const created = session?.created() ?? [];
  return done({ ...base, verdict: deriveVerdict(cases), cases, found: discovery.found, created, nodes, evidence, leaked, finishedAt: now() });
}
