import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { ApiError, listObjects, rawRequest } from './api.js';

/** What discovery knows about a cluster: read-only, gathered once per run. */
export interface ClusterView {
  readonly kc: KubeConfig;
  readonly server: string;
  readonly version: { gitVersion: string; major: string; minor: string };
  readonly nodes: readonly V1Node[];
  /** `group/version` → resources (plural, kind, verbs); `v1` for the core group. */
  readonly resources: ReadonlyMap<string, readonly { name: string; kind: string; verbs: readonly string[] }[]>;
  /** Nodes are simulated (kwok): containers never run, so in-container probes cannot. */
  readonly simulated: boolean;
}

export class ClusterUnreachable extends Error {}

/** The identity may not read what discovery must read: an error, never "absent". */
export class MissingRbac extends Error {}

/** One request per API group version, so a rarely-used group cannot slow every run. */
export async function discoverCluster(kc: KubeConfig): Promise<ClusterView> {
  const server = kc.getCurrentCluster()?.server ?? 'unknown';
  let version: ClusterView['version'];
  try {
    version = (await rawRequest(kc, 'GET', '/version')) as ClusterView['version'];
  } catch (e) {
    if (e instanceof ApiError) throw new ClusterUnreachable(`the API server at ${server} answered ${e.status}: ${e.reason}`);
    const cause = (e as { code?: string; message: string }).code ?? (e as Error).message;
    throw new ClusterUnreachable(`cannot reach the API server at ${server} (${cause})`);
  }
  try {
    return await discoverWith(kc, server, version);
  } catch (e) {
    if (e instanceof ApiError && e.forbidden) throw new MissingRbac(`missing RBAC: ${e.reason} (grant the ClusterRole printed by \`kaic rbac\`)`);
    throw e;
  }
}

async function discoverWith(kc: KubeConfig, server: string, version: ClusterView['version']): Promise<ClusterView> {
  const resources = new Map<string, { name: string; kind: string; verbs: string[] }[]>();
  const core = (await rawRequest(kc, 'GET', '/api/v1')) as { resources: { name: string; kind: string; verbs: string[] }[] };
  resources.set('v1', core.resources);
  const groups = (await rawRequest(kc, 'GET', '/apis')) as { groups: { versions: { groupVersion: string }[] }[] };
  const gvs = groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion));
  await Promise.all(
    gvs.map(async (gv) => {
      try {
        const r = (await rawRequest(kc, 'GET', `/apis/${gv}`)) as { resources: { name: string; kind: string; verbs: string[] }[] };
        resources.set(gv, r.resources);
      } catch (e) {
        if (!(e instanceof ApiError) || e.status === 403) throw e; // a 403 is not "absent"
      }
    }),
  );
  const nodes = await listObjects<V1Node>(kc, 'Node');
  const simulated = nodes.length > 0 && nodes.every((n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake' || /^kwok-/.test(n.status?.nodeInfo?.kubeletVersion ?? ''));
  return { kc, server, version, nodes, resources, simulated };
}

export function serves(view: ClusterView, groupVersion: string, plural: string): boolean {
  return (view.resources.get(groupVersion) ?? []).some((r) => r.name === plural);
}

export function verbsOf(view: ClusterView, groupVersion: string, plural: string): readonly string[] {
  return (view.resources.get(groupVersion) ?? []).find((r) => r.name === plural)?.verbs ?? [];
}

export const isReady = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
