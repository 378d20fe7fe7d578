import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { rawList } from './api.js';
import { countRequest } from './metrics.js';

export class WaitTimeout extends Error {
  constructor(readonly what: string, readonly ms: number, readonly lastSeen: string) {
    super(`timed out after ${(ms / 1000).toFixed(0)}s waiting for ${what}; last seen: ${lastSeen}`);
  }
}

export interface WatchTarget {
  /** Collection path, e.g. /api/v1/namespaces/ns/pods or /apis/resource.k8s.io/v1/resourceclaims. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

type Items = ReadonlyMap<string, KubernetesObject>;

/**
 * Lists, then watches from the list's resourceVersion, re-evaluating `done` on every change, until it
 * returns a value or the deadline passes. `describe` renders the last state for the timeout message.
 */
export async function waitFor<T>(
  kc: KubeConfig,
  target: WatchTarget,
  what: string,
  done: (items: Items) => T | undefined,
  opts: { timeoutMs: number; signal?: AbortSignal; describe?: (items: Items) => string },
): Promise<T> {
  const items = new Map<string, KubernetesObject>();
  const key = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const describe = opts.describe ?? ((m: Items) => (m.size ? [...m.keys()].join(', ') : 'nothing'));
  const query = { ...(target.labelSelector ? { labelSelector: target.labelSelector } : {}), ...(target.fieldSelector ? { fieldSelector: target.fieldSelector } : {}) };
  const list = await rawList(kc, target.path, query);
  for (const o of list.items) items.set(key(o), o);
  const first = done(items);
  if (first !== undefined) return first;
  return new Promise<T>((resolve, reject) => {
    let controller: AbortController | undefined;
    let finished = false;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new WaitTimeout(what, opts.timeoutMs, describe(items)))), opts.timeoutMs);
    const onAbort = () => finish(() => reject(opts.signal?.reason ?? new Error('aborted')));
    opts.signal?.addEventListener('abort', onAbort);
    const start = (rv: string) => {
      countRequest();
      return new Watch(kc)
        .watch(
          target.path,
          { ...query, resourceVersion: rv, allowWatchBookmarks: true },
          (type: string, obj: KubernetesObject) => {
            if (type === 'BOOKMARK') return;
            if (type === 'DELETED') items.delete(key(obj));
            else items.set(key(obj), obj);
            try {
              const v = done(items);
              if (v !== undefined) finish(() => resolve(v));
            } catch (e) {
              finish(() => reject(e));
            }
          },
          (err: unknown) => {
            if (finished) return;
            // A watch can end (server timeout, 410 Gone): relist and continue from there.
            rawList(kc, target.path, query)
              .then((l) => {
                items.clear();
                for (const o of l.items) items.set(key(o), o);
                const v = done(items);
                if (v !== undefined) finish(() => resolve(v));
                else start(l.metadata.resourceVersion).then((c) => (controller = c), (e2) => finish(() => reject(e2 ?? err)));
              })
              .catch((e) => finish(() => reject(e)));
          },
        );
    };
    start(list.metadata.resourceVersion).then(
      (c) => {
        controller = c;
        if (finished) c.abort();
      },
      (e) => finish(() => reject(e)),
    );
  });
}

