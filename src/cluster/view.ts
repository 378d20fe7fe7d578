import type { KubeConfig, KubernetesObject, V1Node } from '@kubernetes/client-node';
import { ApiError, rawList, rawPages, rawRequest, TransportError } from './api.js';
import { collectionPath, ResourceIndex, splitApiVersion, type ResourceType } from './resources.js';

/** What discovery knows about a cluster: read once per run, shared by every check. */
export interface ClusterView {
  readonly kc: KubeConfig;
  readonly server: string;
  readonly version: { gitVersion: string; major: string; minor: string };
  readonly nodes: readonly V1Node[];
  readonly resources: ResourceIndex;
  /** Group versions discovery could not read (e.g. an aggregated API whose backend is down): not "absent". */
  readonly unavailable: ReadonlyMap<string, string>;
  /** Every node is simulated (kwok): containers never run anywhere. */
  readonly simulated: boolean;
  /** Lists a resource once per run (paginated); later calls share the answer. */
  list<T = KubernetesObject>(t: ResourceType): Promise<T[]>;
  /**
   * Reads a resource page by page and keeps only what `pick` returns: for kinds that are large on a
   * big cluster (every pod), where a check needs a little of each object. Not shared: each call reads.
   */
  scan<T, R>(t: ResourceType, pick: (item: T) => R | undefined, opts?: { namespace?: string; signal?: AbortSignal }): Promise<R[]>;
}

export class ClusterUnreachable extends Error {}

/** The identity may not read what discovery must read: an error, never "absent". */
export class MissingRbac extends Error {}

/** A kwok node: annotated fake, or reporting kwok's kubelet version. */
export const isSimulatedNode = (n: V1Node) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake' || /kwok/.test(n.status?.nodeInfo?.kubeletVersion ?? '');

export const isReady = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export async function discoverCluster(kc: KubeConfig, opts: { signal?: AbortSignal } = {}): Promise<ClusterView> {
  const server = kc.getCurrentCluster()?.server ?? 'unknown';
  let version: ClusterView['version'];
  try {
    version = (await rawRequest(kc, 'GET', '/version', undefined, { signal: opts.signal, retryForMs: 5_000, timeoutMs: 10_000 })) as ClusterView['version'];
  } catch (e) {
    if (e instanceof ApiError) throw new ClusterUnreachable(`the API server at ${server} answered ${e.status}: ${e.reason}`);
    if (e instanceof TransportError) throw new ClusterUnreachable(`cannot reach the API server at ${server} (${e.why})`);
    const cause = (e as { code?: string; message: string }).code ?? (e as Error).message;
    throw new ClusterUnreachable(`cannot reach the API server at ${server} (${cause})`);
  }
  try {
    return await discoverWith(kc, server, version, opts.signal);
  } catch (e) {
    if (e instanceof ApiError && e.forbidden) throw new MissingRbac(`missing RBAC: ${e.reason} (grant the ClusterRole printed by \`kaic rbac\`)`);
    throw e;
  }
}

type ApiResourceList = { resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] };

async function discoverWith(kc: KubeConfig, server: string, version: ClusterView['version'], signal?: AbortSignal): Promise<ClusterView> {
  // The nodes are read while the API groups are: on a 5,000-node cluster their pages take longest.
  // If discovery fails first, the read is stopped rather than left retrying behind the error.
  const stop = new AbortController();
  const nodesRead = rawList<V1Node>(kc, '/api/v1/nodes', {}, { signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal });
  nodesRead.catch(() => undefined); // awaited below; an early failure is not unhandled meanwhile
  try {
    const lists = new Map<string, ApiResourceList['resources']>();
    const unavailable = new Map<string, string>();
    const core = (await rawRequest(kc, 'GET', '/api/v1', undefined, { signal })) as ApiResourceList;
    lists.set('v1', core.resources);
    const groups = (await rawRequest(kc, 'GET', '/apis', undefined, { signal })) as { groups: { versions: { groupVersion: string }[] }[] };
    const gvs = groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion));
    await Promise.all(
      gvs.map(async (gv) => {
        try {
          const r = (await rawRequest(kc, 'GET', `/apis/${gv}`, undefined, { signal, retryForMs: 5_000 })) as ApiResourceList;
          lists.set(gv, r.resources);
        } catch (e) {
          if (e instanceof ApiError && e.status === 404) return; // removed between the two requests
          if (e instanceof ApiError && e.status !== 403) return void unavailable.set(gv, `${e.status} ${e.reason}`); // served but broken: not absent
          if (e instanceof TransportError) return void unavailable.set(gv, e.why);
          // /apis answered, so kaic may read discovery: one group version refusing is its server's
          // doing (an aggregated API whose authentication is not ready), served but broken. Never "absent".
          if (e instanceof ApiError && e.status === 403) return void unavailable.set(gv, `403 from its server: ${e.reason}`);
          throw e;
        }
      }),
    );
    // In discovery's order (each group's preferred version first), not the order the answers came in.
    const ordered = new Map([...(lists.has('v1') ? [['v1', lists.get('v1')!] as const] : []), ...gvs.filter((gv) => lists.has(gv)).map((gv) => [gv, lists.get(gv)!] as const)]);
    const resources = new ResourceIndex(ordered);
    const nodes = (await nodesRead).items;
    const simulated = nodes.length > 0 && nodes.every(isSimulatedNode);
    const cache = new Map<string, Promise<unknown[]>>();
    return {
      kc,
      server,
      version,
      nodes,
      resources,
      unavailable,
      simulated,
      list<T>(t: ResourceType): Promise<T[]> {
        const path = collectionPath(t);
        if (!cache.has(path)) {
          const p = rawList<T>(kc, path, {}, { signal }).then((l) => l.items as unknown[]);
          p.catch(() => cache.delete(path));
          cache.set(path, p);
        }
        return cache.get(path)! as Promise<T[]>;
      },
      async scan<T, R>(t: ResourceType, pick: (item: T) => R | undefined, opts: { namespace?: string; signal?: AbortSignal } = {}): Promise<R[]> {
        const out: R[] = [];
        await rawPages<T>(
          kc,
          collectionPath(t, opts.namespace),
          {},
          { signal: opts.signal ?? signal },
          (page) => {
            for (const o of page) {
              const r = pick(o);
              if (r !== undefined) out.push(r);
            }
          },
          () => (out.length = 0),
        );
        return out;
      },
    };
  } finally {
    stop.abort();
  }
}

export { splitApiVersion };
