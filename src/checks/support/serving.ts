import type { CheckScope } from '../api.js';
import { parseJson } from './json.js';

/** What kaic reads of a model server's log, at most (a busy server logs whole prompts). */
export const LOG_LIMIT = 4 * 2 ** 20;

/** The first model a `/v1/models` answer lists, or undefined for anything else. */
export function firstModel(body: string): string | undefined {
  const data = (parseJson(body) as { data?: unknown } | null | undefined)?.data;
  const id = Array.isArray(data) ? (data[0] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' && id ? id : undefined;
}

/** Log lines that name one of `ids`, each cut to 500 characters with credentials masked; at most `max`. */
export function linesNaming(log: string, ids: readonly string[], max = 50): string[] {
  const out: string[] = [];
  for (const line of log.split('\n')) {
    if (!ids.some((id) => line.includes(id))) continue;
    out.push(redact(line).slice(0, 500));
    if (out.length >= max) break;
  }
  return out;
}

export const redact = (line: string) => line.replace(/\b(bearer|basic)\s+[^\s"',}]+/gi, '$1 ***').replace(/(authorization|api[-_]?key|token|password|secret)(["'\s:=]+)(?!\*\*\*)[^\s"',}]+/gi, '$1$2***');


/**
 * The lines of a pod's containers that name one of `ids`, read from `from` (ms) on; `cut` when a
 * container's log reached kaic's read limit (then an id missing there proves nothing).
 */
export async function podLinesNaming(s: CheckScope, pod: { name: string; namespace: string; containers: readonly string[] }, ids: readonly string[], from: number): Promise<{ lines: string[]; cut: boolean }> {
  const lines: string[] = [];
  let cut = false;
  for (const ctr of pod.containers) {
    const log = await s.logs(pod.name, ctr, { namespace: pod.namespace, sinceSeconds: (Date.now() - from) / 1000 + 5, limitBytes: LOG_LIMIT });
    cut ||= Buffer.byteLength(log) >= LOG_LIMIT - 4096;
    lines.push(...linesNaming(log, ids));
  }
  return { lines, cut };
}
