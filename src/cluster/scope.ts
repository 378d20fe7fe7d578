import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ApiError, isTransient, rawList, rawRequest, withRetry } from './api.js';
import { collectionPath, objectPath, type ResourceType } from './resources.js';

export const RUN_LABEL = 'kaic.dev/run';
export const CHECK_LABEL = 'kaic.dev/check';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'kaic' };

export interface ObjectRef {
  readonly type: ResourceType;
  readonly name: string;
  readonly namespace?: string;
}

export const refText = (r: ObjectRef) => `${r.type.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

export function runLabels(runId: string, check?: string): Record<string, string> {
  return { ...MANAGED_BY, [RUN_LABEL]: runId, ...(check ? { [CHECK_LABEL]: check } : {}) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deletes one object (already gone counts as done), retrying through a short API outage. */
export async function deleteObject(kc: KubeConfig, ref: ObjectRef, opts: { retryForMs?: number } = {}): Promise<void> {
  try {
    await rawRequest(kc, 'DELETE', objectPath(ref.type, ref.name, ref.namespace), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0 }, { retryForMs: opts.retryForMs ?? 90_000 });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
}

async function exists(kc: KubeConfig, ref: ObjectRef): Promise<boolean> {
  try {
    await rawRequest(kc, 'GET', objectPath(ref.type, ref.name, ref.namespace), undefined, { retryForMs: 90_000 });
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return false;
    throw e;
  }
}

/**
 * Removes objects newest first, then waits (bounded) until every one is gone. Never throws: what
 * could not be removed comes back as text, so a cleanup problem is a leak, never a verdict.
 */
export async function removeAll(kc: KubeConfig, refs: readonly ObjectRef[], timeoutMs = 90_000): Promise<string[]> {
  const failed = new Map<string, string>();
  for (const ref of [...refs].reverse()) {
    try {
      await deleteObject(kc, ref);
    } catch (e) {
      failed.set(refText(ref), (e as Error).message);
    }
  }
  const until = Date.now() + timeoutMs;
  let pending = refs.filter((r) => !failed.has(refText(r)));
  let delay = 100;
  while (pending.length && Date.now() < until) {
    const still: ObjectRef[] = [];
    for (const r of pending) {
      try {
        if (await exists(kc, r)) still.push(r);
      } catch (e) {
        if (!isTransient(e)) failed.set(refText(r), (e as Error).message);
        else still.push(r);
      }
    }
    pending = still;
    if (pending.length) await sleep((delay = Math.min(1000, delay * 2)));
  }
  for (const r of pending) failed.set(refText(r), `still present after ${Math.round(timeoutMs / 1000)}s`);
  return [...failed].map(([ref, why]) => `${ref}: ${why}`);
}

/** Every object labelled as kaic's (one run, or all runs), of the given types, cluster-wide. */
export async function findLabelled(kc: KubeConfig, types: readonly ResourceType[], runId?: string): Promise<ObjectRef[]> {
  const selector = runId ? `${RUN_LABEL}=${runId}` : RUN_LABEL;
  // One list per kind, side by side: on a large cluster each is a scan of that kind in etcd.
  const lists = await Promise.all(
    types.map(async (type) => {
      try {
        return (await withRetry(() => rawList(kc, collectionPath(type), { labelSelector: selector }, { retryForMs: 0 }), { retryForMs: 90_000 })).items.map((o: KubernetesObject) => ({ type, name: o.metadata!.name!, namespace: type.namespaced ? o.metadata!.namespace : undefined }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return []; // not served here
        throw e;
      }
    }),
  );
  return lists.flat();
}

/** Removes everything a run (or every run) left; `kaic cleanup` and the end of every run. */
export async function cleanupLabelled(kc: KubeConfig, types: readonly ResourceType[], runId?: string, timeoutMs = 90_000): Promise<{ removed: ObjectRef[]; left: ObjectRef[]; errors: string[] }> {
  const found = await findLabelled(kc, types, runId);
  // Namespaces first (they take their contents along), then cluster-scoped leftovers, then strays.
  const order = [...found].sort((a, b) => Number(a.type.kind === 'Namespace') - Number(b.type.kind === 'Namespace'));
  const errors = await removeAll(kc, order, timeoutMs);
  const left = await findLabelled(kc, types, runId);
  return { removed: found.filter((f) => !left.some((l) => refText(l) === refText(f))), left, errors };
}
