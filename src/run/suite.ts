import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Check } from '../checks/api.js';
import { resolveImages } from '../checks/images.js';
import { acceleratorNodes, detectProfile, profileFromFlag } from '../checks/profiles/accelerators.js';
import { CHECKS } from '../checks/registry.js';
import { resolveSettings, SettingError } from '../checks/settings.js';
import { loadKubeConfig } from '../cluster/connect.js';
import { discoverCluster, isReady, isSimulatedNode } from '../cluster/view.js';
import type { RunResult } from '../results/index.js';
import type { Checklist } from '../standard/checklist.js';
import { catalogEntry } from '../standard/catalog.js';
import { requirements } from '../standard/checklist.js';
import { KAIC_VERSION } from '../version.js';
import { clusterBackend } from './cluster-session.js';
import { runEngine, type PlannedRequirement, type ProgressEvent } from './engine.js';

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
  /** Overrides each check's own timeout. */
  readonly checkTimeoutMs?: number;
  readonly settings?: Readonly<Record<string, string>>;
  /** `ns/service:port` or a URL. */
  readonly prometheus?: string;
  /** NAME → file */
  readonly fixtures?: Readonly<Record<string, string>>;
  readonly runId?: string;
  readonly signal?: AbortSignal;
  readonly progress?: (e: ProgressEvent) => void;
  /** The checks to run (default: every registered one). */
  readonly checks?: ReadonlyMap<string, Check>;
}

export const newRunId = () => randomBytes(5).toString('hex').slice(0, 8);

const testNameOf = (id: string, checks: ReadonlyMap<string, Check>) => checks.get(id)?.testName ?? catalogEntry(id)?.tests[0] ?? `Test${id.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())}`;

/** Which requirements run, from the version's checklist and --only / --skip / --na. An empty plan is refused. */
export function plan(checklist: Checklist, cfg: Pick<SuiteConfig, 'only' | 'skip' | 'na' | 'checks'>): PlannedRequirement[] {
  const checks = cfg.checks ?? CHECKS;
  const all = requirements(checklist);
  const ids = new Set(all.map((r) => r.id));
  const unknown = [...(cfg.only ?? []), ...(cfg.skip ?? []), ...Object.keys(cfg.na ?? {})].filter((id) => !ids.has(id));
  if (unknown.length) throw new RunConfigError(`unknown requirement id(s) for ${checklist.version}: ${[...new Set(unknown)].join(', ')} (known: ${[...ids].join(', ')})`);
  for (const [id, why] of Object.entries(cfg.na ?? {})) if (!why.trim()) throw new RunConfigError(`--na ${id}: a justification is required (--na ${id}="why it does not apply")`);
  const only = cfg.only?.length ? new Set(cfg.only) : undefined;
  const planned = all
    .filter((r) => (!only || only.has(r.id) || (cfg.na ?? {})[r.id] !== undefined) && !(cfg.skip ?? []).includes(r.id))
    .map((r) => ({ id: r.id, level: r.level, testName: testNameOf(r.id, checks), ...((cfg.na ?? {})[r.id] !== undefined ? { na: cfg.na![r.id] } : {}) }));
  if (planned.length === 0) throw new RunConfigError(`nothing to run: --only/--skip leave no requirement of ${checklist.version}`);
  return planned;
}

/** `--set` keys must belong to a check, and every value must parse: refused before anything runs. */
export function validateSettings(settings: Readonly<Record<string, string>>, checks: ReadonlyMap<string, Check> = CHECKS): void {
  const known = new Map<string, string>();
  for (const c of checks.values()) for (const k of Object.keys(c.settings)) known.set(k, c.id);
  for (const key of Object.keys(settings)) if (!known.has(key)) throw new RunConfigError(`--set ${key}: unknown setting (known: ${[...known.keys()].join(', ') || 'none'})`);
  try {
    for (const c of checks.values()) resolveSettings(c.settings, settings);
  } catch (e) {
    if (e instanceof SettingError) throw new RunConfigError(e.message);
    throw e;
  }
}

/** Connects, discovers, plans and runs. Throws ConnectError / ClusterUnreachable / RunConfigError for bad input. */
export async function runSuite(cfg: SuiteConfig): Promise<RunResult> {
  const checks = cfg.checks ?? CHECKS;
  const planned = plan(cfg.checklist, cfg);
  // Bad flag values are refused before anything touches the cluster.
  validateSettings(cfg.settings ?? {}, checks);
  const images = resolveImages(cfg.images ?? [], cfg.imageRegistry);
  const forced = cfg.accelerator ? profileFromFlag(cfg.accelerator) : undefined;
  if (cfg.prometheus && !/^[a-z0-9-]+\/[a-z0-9-]+:\d+$/.test(cfg.prometheus) && !/^https?:\/\/\S+$/.test(cfg.prometheus)) throw new RunConfigError(`--prometheus ${cfg.prometheus}: expected NAMESPACE/SERVICE:PORT or an http(s) URL`);
  for (const [name, file] of Object.entries(cfg.fixtures ?? {})) if (!existsSync(file)) throw new RunConfigError(`--fixture ${name}=${file}: no such file`);
  const kc = loadKubeConfig({ kubeconfig: cfg.kubeconfig, context: cfg.context });
  const signal = cfg.signal ?? new AbortController().signal;
  const view = await discoverCluster(kc, { signal });
  const chosen = forced ? { profile: forced, detected: false } : detectProfile(view.nodes);
  const runId = cfg.runId ?? newRunId();
  const startedAt = Date.now();
  const backend = clusterBackend({ kc, view, runId, checks: [...checks.values()], images, ...(cfg.prometheus ? { prometheus: cfg.prometheus } : {}), ...(cfg.fixtures ? { fixtures: cfg.fixtures } : {}) });
  const out = await runEngine({
    backend,
    checks,
    plan: planned,
    accelerator: chosen.profile,
    images,
    settings: cfg.settings ?? {},
    acceleratorNodes: acceleratorNodes(view.nodes, chosen.profile).filter(isReady).map((n) => n.metadata!.name!),
    parallel: cfg.parallel ?? 3,
    ...(cfg.checkTimeoutMs ? { checkTimeoutMs: cfg.checkTimeoutMs } : {}),
    signal,
    ...(cfg.progress ? { progress: cfg.progress } : {}),
  });
  const nodeFacts = view.nodes.map((n) => ({ name: n.metadata!.name!, simulated: isSimulatedNode(n), ready: isReady(n) }));
  const accelerators = view.nodes.flatMap((n) =>
    Object.entries(n.status?.allocatable ?? {})
      .filter(([k]) => /\.(com|io|ai)\//.test(k))
      .map(([resource, count]) => ({ node: n.metadata!.name!, resource, count: String(count), ...(n.metadata?.labels?.['nvidia.com/gpu.product'] ? { product: n.metadata.labels['nvidia.com/gpu.product'] } : {}) })),
  );
  return {
    runId,
    version: cfg.checklist.version,
    kaicVersion: KAIC_VERSION,
    startedAt,
    finishedAt: Date.now(),
    interrupted: out.interrupted,
    cluster: { server: view.server, kubernetesVersion: view.version.gitVersion, nodes: view.nodes.length, readyNodes: nodeFacts.filter((n) => n.ready).length, simulated: view.simulated, anySimulated: nodeFacts.some((n) => n.simulated) || !!chosen.profile.simulated, nodeFacts, accelerators },
    accelerator: { profile: chosen.profile.name, detected: chosen.detected },
    images,
    settings: cfg.settings ?? {},
    checks: out.checks,
    leaked: out.leaked,
  };
}
