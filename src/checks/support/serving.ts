import { randomUUID } from 'node:crypto';
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

/**
 * The model to ask for: the one given, else the first the endpoint lists at `models` beside it;
 * undefined with why, when it lists none.
 */
export async function resolveModel(s: CheckScope, endpoint: string, given: string | undefined): Promise<{ model: string } | { detail: string }> {
  if (given) return { model: given };
  const url = new URL('models', endpoint);
  const m = await s.request(url.toString(), { timeoutMs: 10_000, maxBytes: 2 ** 20 });
  const model = m.status === 200 ? firstModel(m.body) : undefined;
  return model ? { model } : { detail: `the endpoint lists no model at ${url.pathname} (${m.status ? `HTTP ${m.status}` : m.error})` };
}

/** A refusal of kaic's own request (a wrong model, credentials): the settings, not the platform. */
export const refusedRequest = (status: number) => status >= 400 && status < 500 && status !== 429 && status !== 408;

export interface Served {
  /** Ids of the requests answered 200, each sent once. */
  readonly ids: string[];
  /** Some request got an HTTP answer (kaic reached the endpoint). */
  readonly answered: boolean;
  /** The last answer that was not a 200, shortened and masked. */
  readonly last: string;
  /** Set when an answer was a refusal (`refuses`): sending stopped there. */
  readonly refused?: string;
}

/**
 * POSTs to `endpoint` until `n` requests are answered 200 or `until` passes, each with a new id
 * (a retry never reuses one), 2 s apart after a failure; stops at the first refusal, or after
 * `maxFailures` failures.
 */
export async function sendUntilServed(s: CheckScope, endpoint: string, o: { n: number; until: number; request: (id: string) => { body: string; headers: Record<string, string> }; timeoutMs: () => number; refuses?: (status: number) => boolean; maxFailures?: number }): Promise<Served> {
  const ids: string[] = [];
  let answered = false;
  let last = '';
  let failures = 0;
  while (ids.length < o.n && Date.now() < o.until && failures < (o.maxFailures ?? Infinity)) {
    const id = randomUUID();
    const a = await s.request(endpoint, { method: 'POST', ...o.request(id), timeoutMs: o.timeoutMs() });
    if (a.status) answered = true;
    if (a.status === 200) {
      ids.push(id);
      continue;
    }
    failures++;
    last = a.status ? `HTTP ${a.status}: ${redact(a.body.slice(0, 200))}` : a.error ?? 'no answer';
    if ((o.refuses ?? refusedRequest)(a.status)) return { ids, answered, last, refused: last };
    await new Promise((r) => setTimeout(r, 2_000));
  }
  return { ids, answered, last };
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
