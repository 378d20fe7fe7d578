import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Interrupted, isTransient, rawList, type RequestOptions } from './api.js';
import { countRequest } from './metrics.js';

export interface WatchTarget {
  /** Collection path, e.g. /api/v1/namespaces/ns/pods or /apis/resource.k8s.io/v1/resourceclaims. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export type Items = ReadonlyMap<string, KubernetesObject>;

/** How a wait ended: the awaited state, or the deadline with a sentence saying what was last seen. */
export type WaitOutcome<T> = { readonly ok: true; readonly value: T; readonly at: number } | { readonly ok: false; readonly message: string; readonly lastSeen: string };

const reasonOf = (s?: AbortSignal) => String((s?.reason as Error | undefined)?.message ?? s?.reason ?? 'interrupted');

/**
 * Lists, then watches from the list's resourceVersion, re-evaluating `done` on every change, until it
 * returns a value or the deadline passes. The deadline starts before the first list. A watch that
 * ends or fails is resumed after a relist, with backoff; the run's signal ends the wait with
 * `Interrupted`; a non-transient API error (403, 404 of the collection) is thrown to the caller.
 */
export async function waitFor<T>(
  kc: KubeConfig,
  target: WatchTarget,
  what: string,
  done: (items: Items) => T | undefined,
  opts: { timeoutMs: number; signal?: AbortSignal; describe?: (items: Items) => string; request?: RequestOptions; /** Judge the deadline on a fresh list (default true). */ confirmAtDeadline?: boolean },
): Promise<WaitOutcome<T>> {
  const items = new Map<string, KubernetesObject>();
  const key = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const describe = opts.describe ?? ((m: Items) => (m.size ? [...m.keys()].join(', ') : 'nothing'));
  const query = { ...(target.labelSelector ? { labelSelector: target.labelSelector } : {}), ...(target.fieldSelector ? { fieldSelector: target.fieldSelector } : {}) };
  if (opts.signal?.aborted) throw new Interrupted(reasonOf(opts.signal));
  const deadline = AbortSignal.timeout(Math.max(0, opts.timeoutMs));
  const both = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
  const timedOut = (): WaitOutcome<T> => {
    const lastSeen = describe(items);
    return { ok: false, lastSeen, message: `timed out after ${(opts.timeoutMs / 1000).toFixed(0)}s waiting for ${what}; last seen: ${lastSeen}` };
  };
  const relist = async (): Promise<string | undefined> => {
    try {
      const l = await rawList(kc, target.path, query, { ...opts.request, signal: both });
      items.clear();
      for (const o of l.items) items.set(key(o), o);
      return l.metadata.resourceVersion;
    } catch (e) {
      if (opts.signal?.aborted) throw new Interrupted(reasonOf(opts.signal));
      if (deadline.aborted) return undefined;
      throw e;
    }
  };
  const confirm = async (): Promise<WaitOutcome<T>> => {
    // The deadline is judged on a fresh list (retried through an outage), never on a stale watch
    // or on nothing at all; a list that cannot be had is an error, not a timeout.
    const l = await rawList(kc, target.path, query, { ...opts.request, ...(opts.signal ? { signal: opts.signal } : {}) });
    items.clear();
    for (const o of l.items) items.set(key(o), o);
    const v = done(items);
    return v !== undefined ? { ok: true, value: v, at: Date.now() } : timedOut();
  };
  let rv = await relist();
  if (rv === undefined) return opts.confirmAtDeadline === false ? timedOut() : confirm();
  const first = done(items);
  if (first !== undefined) return { ok: true, value: first, at: Date.now() };
  return new Promise<WaitOutcome<T>>((resolve, reject) => {
    let controller: AbortController | undefined;
    let finished = false;
    let failures = 0;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      both.removeEventListener('abort', onAbort);
      controller?.abort();
      fn();
    };
    const onAbort = () => {
      if (opts.signal?.aborted) return finish(() => reject(new Interrupted(reasonOf(opts.signal))));
      if (opts.confirmAtDeadline === false) return finish(() => resolve(timedOut()));
      controller?.abort();
      confirm().then(
        (r) => finish(() => resolve(r)),
        (e) => finish(() => reject(opts.signal?.aborted ? new Interrupted(reasonOf(opts.signal)) : e)),
      );
    };
    both.addEventListener('abort', onAbort, { once: true });
    const check = () => {
      try {
        const v = done(items);
        if (v !== undefined) finish(() => resolve({ ok: true, value: v, at: Date.now() }));
      } catch (e) {
        finish(() => reject(e));
      }
    };
    const resume = async () => {
      // A watch ends (server timeout, 410 Gone, an outage): back off, relist, continue from there.
      await new Promise((r) => setTimeout(r, Math.min(4000, 200 * 2 ** failures++)));
      if (finished) return;
      try {
        rv = await relist();
      } catch (e) {
        if (isTransient(e)) return void resume();
        return finish(() => reject(e));
      }
      if (rv === undefined || finished) return;
      check();
      if (!finished) start(rv);
    };
    const start = (from: string) => {
      countRequest();
      new Watch(kc)
        .watch(
          target.path,
          { ...query, resourceVersion: from, allowWatchBookmarks: true, timeoutSeconds: Math.max(5, Math.ceil(opts.timeoutMs / 1000)) },
          (type: string, obj: KubernetesObject) => {
            if (type === 'BOOKMARK') return;
            if (type === 'ERROR') return; // 410 Gone arrives as an event; the done callback relists
            failures = 0;
            if (type === 'DELETED') items.delete(key(obj));
            else items.set(key(obj), obj);
            check();
          },
          () => {
            if (!finished) void resume();
          },
        )
        .then(
          (c) => {
            controller = c;
            if (finished) c.abort();
          },
          () => {
            if (!finished) void resume();
          },
        );
    };
    start(rv!);
  });
}

/** For tools and tests: the awaited value, or an Error saying what timed out. */
export async function waitForValue<T>(...args: Parameters<typeof waitFor<T>>): Promise<T> {
  const r = await waitFor<T>(...args);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}
