import type { CheckResult } from '../checks/types.js';

/** Everything a run produced; renderers turn it into artifacts. Timestamps are epoch milliseconds. */
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
    readonly simulated: boolean;
    readonly accelerators: readonly { node: string; resource: string; count: string; product?: string }[];
  };
  readonly accelerator: { readonly profile: string; readonly detected: boolean };
  readonly images: Readonly<Record<string, string>>;
  readonly checks: readonly CheckResult[];
  /** Objects labelled with the run id still present after cleanup. */
  readonly leaked: readonly string[];
}

export function tally(r: RunResult): Record<string, number> {
  const t: Record<string, number> = { PASS: 0, FAIL: 0, ERROR: 0, 'NOT-RUN': 0, 'N/A': 0 };
  for (const c of r.checks) t[c.verdict] = (t[c.verdict] ?? 0) + 1;
  return t;
}
