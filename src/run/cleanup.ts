import { loadKubeConfig, type ConnectOptions } from '../cluster/connect.js';
import { cleanupLabelled, findLabelled, refText } from '../cluster/scope.js';
import { discoverCluster } from '../cluster/view.js';
import { CHECKS } from '../checks/registry.js';
import { sweptTypes } from './cluster-session.js';

/** `kaic cleanup`: what runs left behind (one run, or all), listed or removed; kinds come from the checks' declarations. */
async function connect(conn: ConnectOptions) {
  const kc = loadKubeConfig(conn);
  const view = await discoverCluster(kc);
  return { kc, types: sweptTypes(view, [...CHECKS.values()]) };
}

export async function listLeftovers(conn: ConnectOptions, runId?: string): Promise<string[]> {
  const { kc, types } = await connect(conn);
  return (await findLabelled(kc, types, runId)).map(refText);
}

export async function removeLeftovers(conn: ConnectOptions, runId?: string): Promise<{ removed: string[]; left: string[] }> {
  const { kc, types } = await connect(conn);
  const r = await cleanupLabelled(kc, types, runId);
  return { removed: r.removed.map(refText), left: [...r.left.map(refText), ...r.errors] };
}
