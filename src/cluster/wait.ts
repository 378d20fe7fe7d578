import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
// client-node 1.4 hands out node-fetch options (an https.Agent with the client certs), so requests go through node-fetch too.
import fetch from 'node-fetch';

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
    const start = (rv: string) =>
      new Watch(kc)
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
    start(list.metadata.resourceVersion).then(
      (c) => {
        controller = c;
        if (finished) c.abort();
      },
      (e) => finish(() => reject(e)),
    );
  });
}

/** GET a collection path with the kubeconfig's credentials. */
export async function rawList(kc: KubeConfig, path: string, query: Record<string, string> = {}): Promise<{ metadata: { resourceVersion: string }; items: KubernetesObject[] }> {
  return (await rawRequest(kc, 'GET', `${path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`)) as { metadata: { resourceVersion: string }; items: KubernetesObject[] };
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly path: string, readonly body: string) {
    super(`${status} from ${path}: ${body.slice(0, 300)}`);
  }
}

/** A request through client-node's auth (certs, tokens, exec plugins); returns parsed JSON. */
export async function rawRequest(kc: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const server = kc.getCurrentCluster()!.server.replace(/\/$/, '');
  const opts: { method: string; headers: Record<string, string>; body?: string; agent?: unknown } = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers['content-type'] = contentType;
  }
  await kc.applyToFetchOptions(opts as never).then((o: { agent?: unknown; headers?: unknown }) => {
    opts.agent = o.agent;
    opts.headers = { ...(o.headers as Record<string, string>), ...opts.headers };
  });
  const res = await fetch(`${server}${path}`, opts as never);
  const text = await res.text();
  if (res.status >= 400) throw new ApiError(res.status, path, text);
  return text ? JSON.parse(text) : undefined;
}
