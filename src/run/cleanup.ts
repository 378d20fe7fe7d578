import { loadKubeConfig, type ConnectOptions } from '../cluster/connect.js';
import { cleanupLabelled, findLabelled, refText } from '../cluster/scope.js';

/** `kaic cleanup`: what runs left behind (one run, or all), listed or removed. */
export async function listLeftovers(conn: ConnectOptions, runId?: string): Promise<string[]> {
  return (await findLabelled(loadKubeConfig(conn), runId)).map(refText);
}

export async function removeLeftovers(conn: ConnectOptions, runId?: string): Promise<{ removed: string[]; left: string[] }> {
  const r = await cleanupLabelled(loadKubeConfig(conn), runId);
  return { removed: r.removed.map(refText), left: r.left.map(refText) };
}
