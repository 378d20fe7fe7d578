import type { CheckResult, Verdict } from './check-result.js';

export interface NodeFact {
  readonly name: string;
  /** kwok-simulated: containers never run there. */
  readonly simulated: boolean;
  readonly ready: boolean;
}

/** Everything a run produced; artifact writers turn it into files. Timestamps are epoch ms. */
export interface RunResult {
  readonly runId: string;
  readonly version: string;
  readonly kaicVersion: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly interrupted: boolean;
  readonly cluster: {
    readonly server: string;
    readonly kubernetesVersion: string;
    readonly nodes: number;
    readonly readyNodes: number;
    /** Every node is simulated. */
    readonly simulated: boolean;
    /** Some node is simulated (a PASS may rest on it). */
    readonly anySimulated: boolean;
    readonly nodeFacts: readonly NodeFact[];
    readonly accelerators: readonly { node: string; resource: string; count: string; product?: string }[];
  };
  readonly accelerator: { readonly profile: string; readonly detected: boolean };
  readonly images: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, string>>;
  readonly checks: readonly CheckResult[];
  /** Objects labelled with the run id still present after cleanup. */
  readonly leaked: readonly string[];
}

export function tally(r: Pick<RunResult, 'checks'>): Record<Verdict, number> {
  const t: Record<Verdict, number> = { PASS: 0, FAIL: 0, ERROR: 0, 'NOT-RUN': 0, 'N/A': 0 };
  for (const c of r.checks) t[c.verdict] += 1;
  return t;
}

/**
 * The run as a whole, as `go test` sums up a package: FAIL when anything failed or errored; PASS
 * only when something passed; SKIP (go's `?` line) when nothing did, so an empty or all-NOT-RUN run
 * never reads as `ok`.
 */
export function packageStatus(r: Pick<RunResult, 'checks'>): 'PASS' | 'FAIL' | 'SKIP' {
  const t = tally(r);
  if (t.FAIL || t.ERROR) return 'FAIL';
  return t.PASS ? 'PASS' : 'SKIP';
}
