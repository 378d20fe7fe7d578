import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ApiError, collectionPath, KINDS, objectPath, rawList, rawRequest, type Kind } from './api.js';
import { waitFor } from './wait.js';

export const RUN_LABEL = 'kaic.dev/run';
export const CHECK_LABEL = 'kaic.dev/check';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kaic' };

export interface ObjectRef {
  readonly kind: Kind;
  readonly name: string;
  readonly namespace?: string;
}

export const refText = (r: ObjectRef) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/**
 * Everything one run creates goes through here: labelled with the run id (and check), tracked in
 * creation order, and swept in reverse order. Namespaces are the unit wherever possible.
 */
export class RunScope {
  private readonly created: ObjectRef[] = [];

  constructor(readonly kc: KubeConfig, readonly runId: string) {}

  labels(check?: string): Record<string, string> {
    return { ...MANAGED_BY, [RUN_LABEL]: this.runId, ...(check ? { [CHECK_LABEL]: check } : {}) };
  }

  async create<T extends KubernetesObject>(kind: Kind, obj: T, opts: { check?: string; signal?: AbortSignal } = {}): Promise<T> {
    const meta = (obj.metadata ??= {});
    meta.labels = { ...(meta.labels ?? {}), ...this.labels(opts.check) };
    const namespace = KINDS[kind].namespaced ? meta.namespace : undefined;
    if (KINDS[kind].namespaced && !namespace) throw new Error(`${kind} ${meta.name} needs a namespace`);
    const out = (await rawRequest(this.kc, 'POST', collectionPath(kind, namespace), { apiVersion: apiVersionOf(kind), kind, ...obj }, { signal: opts.signal })) as T;
    this.created.push({ kind, name: out.metadata!.name!, namespace });
    return out;
  }

  async delete(ref: ObjectRef): Promise<void> {
    try {
      await rawRequest(this.kc, 'DELETE', objectPath(ref.kind, ref.name, ref.namespace), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0 });
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }

  /**
   * Deletes what this scope created, newest first, then waits (bounded) until its namespaces are
   * gone. Returns what could not be removed; never throws, so it cannot hide a verdict.
   */
  async sweep(timeoutMs = 90_000): Promise<{ failed: { ref: ObjectRef; error: string }[] }> {
    const failed: { ref: ObjectRef; error: string }[] = [];
    for (const ref of [...this.created].reverse()) {
      try {
        await this.delete(ref);
      } catch (e) {
        failed.push({ ref, error: (e as Error).message });
      }
    }
    const namespaces = this.created.filter((r) => r.kind === 'Namespace').map((r) => r.name);
    if (namespaces.length) {
      try {
        await waitFor(this.kc, { path: collectionPath('Namespace'), labelSelector: `${RUN_LABEL}=${this.runId}` }, `namespaces ${namespaces.join(', ')} to be deleted`, (m) => ([...m.values()].some((n) => namespaces.includes(n.metadata?.name ?? '')) ? undefined : true), { timeoutMs });
      } catch (e) {
        failed.push({ ref: { kind: 'Namespace', name: namespaces.join(',') }, error: (e as Error).message });
      }
    }
    this.created.length = 0;
    return { failed };
  }
}

export function apiVersionOf(kind: Kind): string {
  const k = KINDS[kind];
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** Kinds a run may leave behind; the leak check and `kaic cleanup` look at all of them. */
const SWEPT_KINDS: Kind[] = ['Namespace', 'Pod', 'ResourceClaim', 'ResourceClaimTemplate', 'PodGroup', 'Workload', 'Job', 'ConfigMap', 'DeviceClass', 'RuntimeClass'];

/** Every object labelled as kaic's (one run, or all runs), cluster-wide. */
export async function findLabelled(kc: KubeConfig, runId?: string): Promise<ObjectRef[]> {
  const selector = runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL;
  const out: ObjectRef[] = [];
  for (const kind of SWEPT_KINDS) {
    let items: KubernetesObject[];
    try {
      items = (await rawList(kc, collectionPath(kind), { labelSelector: selector })).items;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) continue; // API not served here
      throw e;
    }
    for (const o of items) {
      // Objects already being deleted in a namespace that is going away still count until gone.
      out.push({ kind, name: o.metadata!.name!, namespace: KINDS[kind].namespaced ? o.metadata!.namespace : undefined });
    }
  }
  return out;
}

/** Removes everything a run (or every run) left; used by `kaic cleanup` and after an interrupted run. */
export async function cleanupLabelled(kc: KubeConfig, runId?: string, timeoutMs = 90_000): Promise<{ removed: ObjectRef[]; left: ObjectRef[] }> {
  const found = await findLabelled(kc, runId);
  const scope = new RunScope(kc, runId ?? '');
  // Namespaces first (they take their contents along), then cluster-scoped leftovers, then strays.
  const order = [...found].sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'));
  for (const ref of order) await scope.delete(ref).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  let left = await findLabelled(kc, runId);
  while (left.length && Date.now() < deadline) {
    const namespaces = new Set(left.filter((r) => r.kind === 'Namespace').map((r) => r.name));
    if (namespaces.size) {
      await waitFor(kc, { path: collectionPath('Namespace'), labelSelector: runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL }, 'labelled namespaces to be deleted', (m) => (m.size === 0 ? true : undefined), { timeoutMs: Math.max(1000, deadline - Date.now()) }).catch(() => undefined);
    } else await new Promise((r) => setTimeout(r, 500));
    left = await findLabelled(kc, runId);
  }
  return { removed: found.filter((f) => !left.some((l) => refText(l) === refText(f))), left };
}

