import { randomBytes } from 'node:crypto';
import { loadKubeConfig } from '../cluster/connect.js';
import { discoverCluster } from '../cluster/view.js';
import { resolveImages } from '../checks/images.js';
import { detectProfile, profileFromFlag } from '../checks/profiles/accelerators.js';
import type { Checklist } from '../standard/checklist.js';
import { requirements } from '../standard/checklist.js';
import { runPlan, type PlannedRequirement, type ProgressEvent } from './engine.js';
import type { RunResult } from './model.js';

export class RunConfigError extends Error {}

export interface SuiteConfig {
  readonly checklist: Checklist;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  /** id → justification */
  readonly na?: Readonly<Record<string, string>>;
  readonly accelerator?: string;
  readonly images?: readonly string[];
  readonly imageRegistry?: string;
  readonly parallel?: number;
  readonly checkTimeoutMs?: number;
  readonly settings?: Readonly<Record<string, string>>;
  readonly runId?: string;
  readonly signal?: AbortSignal;
  readonly progress?: (e: ProgressEvent) => void;
}

export const newRunId = () => randomBytes(5).toString('hex').slice(0, 8);

/** Which requirements run, from the version's checklist and --only / --skip / --na. */
export function plan(checklist: Checklist, cfg: Pick<SuiteConfig, 'only' | 'skip' | 'na'>): PlannedRequirement[] {
  const all = requirements(checklist);
  const ids = new Set(all.map((r) => r.id));
  const unknown = [...(cfg.only ?? []), ...(cfg.skip ?? []), ...Object.keys(cfg.na ?? {})].filter((id) => !ids.has(id));
  if (unknown.length) throw new RunConfigError(`unknown requirement id(s) for ${checklist.version}: ${[...new Set(unknown)].join(', ')} (known: ${[...ids].join(', ')})`);
  for (const [id, why] of Object.entries(cfg.na ?? {})) if (!why.trim()) throw new RunConfigError(`--na ${id}: a justification is required (--na ${id}="why it does not apply")`);
  const only = cfg.only?.length ? new Set(cfg.only) : undefined;
  return all
    .filter((r) => (!only || only.has(r.id) || (cfg.na ?? {})[r.id] !== undefined) && !(cfg.skip ?? []).includes(r.id))
    .map((r) => ({ id: r.id, level: r.level, ...((cfg.na ?? {})[r.id] !== undefined ? { na: cfg.na![r.id] } : {}) }));
}

/** Connects, discovers, plans and runs. Throws ConnectError / ClusterUnreachable / RunConfigError for bad input. */
export async function runSuite(cfg: SuiteConfig): Promise<RunResult> {
  const planned = plan(cfg.checklist, cfg);
  // Bad flag values are refused before anything touches the cluster.
  const images = resolveImages(cfg.images ?? [], cfg.imageRegistry);
  const forced = cfg.accelerator ? profileFromFlag(cfg.accelerator) : undefined;
  const kc = loadKubeConfig({ kubeconfig: cfg.kubeconfig, context: cfg.context });
  const view = await discoverCluster(kc);
  const chosen = forced ? { profile: forced, detected: false } : detectProfile(view);
  return runPlan({
    kc,
    view,
    version: cfg.checklist.version,
    plan: planned,
    options: { accelerator: chosen.profile, images, settings: cfg.settings ?? {} },
    accelerator: { profile: chosen.profile.name, detected: chosen.detected },
    runId: cfg.runId ?? newRunId(),
    parallel: cfg.parallel ?? 3,
    checkTimeoutMs: cfg.checkTimeoutMs ?? 10 * 60_000,
    signal: cfg.signal ?? new AbortController().signal,
    progress: cfg.progress,
  });
}
