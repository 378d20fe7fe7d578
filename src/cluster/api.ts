import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
// client-node 1.4 hands out node-fetch options (an https.Agent carrying the client certificate), so
// raw requests go through node-fetch too (decision 0001): Node's own fetch cannot take that agent.
import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import fetch from 'node-fetch';
import { countRequest } from './metrics.js';

const agents = new WeakMap<KubeConfig, { tls: string; agent: Agent }>();

/** What makes a TLS connection this kubeconfig's: a rotated client certificate makes a new agent. */
function tlsIdentity(o: Record<string, unknown>): string {
  const h = createHash('sha256');
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized']) h.update(`${k}=${Buffer.isBuffer(o[k]) ? (o[k] as Buffer).toString('base64') : String(o[k] ?? '')};`);
  return h.digest('hex');
}

/**
 * client-node builds a new Agent for every request: each request paid a TLS handshake, and its
 * socket and buffers lingered until collected (30 MB at 5,000 nodes). One keep-alive agent per
 * kubeconfig instead, with the TLS options client-node chose for this request (CA, client
 * certificate, server name); when they change (an exec plugin's certificate rotated), a new agent.
 * Sockets are not capped (a request queued on a busy socket trips node-fetch 2's end-of-body check)
 * and idle ones close after 60 s, before the API server drops them. Proxy agents and plain http are
 * used as client-node made them.
 */
function sharedAgent(kc: KubeConfig, fresh: unknown): unknown {
  if (!(fresh instanceof Agent) || fresh.constructor !== Agent) return fresh;
  const options = (fresh as Agent & { options: Record<string, unknown> }).options;
  const tls = tlsIdentity(options);
  let entry = agents.get(kc);
  if (entry?.tls !== tls) {
    entry = { tls, agent: new Agent({ ...options, keepAlive: true, timeout: 60_000 }) };
    agents.set(kc, entry);
  }
  return entry.agent;
}

/**
 * Puts the kubeconfig's credentials on a request and picks its connection. A request sent once (no
 * retry) gets a connection of its own: a reused socket that the server has just closed would
 * otherwise be its only answer.
 */
async function authorize(kc: KubeConfig, init: { headers: Record<string, string>; agent?: unknown }, opts: RequestOptions): Promise<void> {
  const applied = (await kc.applyToFetchOptions(init as never)) as { agent?: unknown; headers?: Record<string, string> };
  init.agent = opts.retryForMs === 0 ? applied.agent : sharedAgent(kc, applied.agent);
  init.headers = { ...(applied.headers ?? {}), ...init.headers };
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly method: string, readonly path: string, readonly reason: string) {
    super(`${method} ${path}: ${status} ${reason}`);
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
}

/** The API server could not be reached (after retrying): refused, reset, timed out. */
export class TransportError extends Error {
  constructor(readonly method: string, readonly path: string, readonly why: string) {
    super(`${method} ${path}: ${why}`);
  }
}

/** The run's signal ended the request (Ctrl-C, a check's deadline): never a verdict of its own. */
export class Interrupted extends Error {
  constructor(readonly why: string = 'interrupted') {
    super(why);
  }
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** One attempt's limit (default 30 s). */
  readonly timeoutMs?: number;
  /** How long retries may go on for (default 60 s): an API server outage of 30 s is survived. */
  readonly retryForMs?: number;
  readonly contentType?: string;
  /** `dryRun=All`, `fieldManager` and the like. */
  readonly query?: Readonly<Record<string, string>>;
  /** rawHttp: read at most this many bytes of the body (the rest is dropped, `truncated` set). */
  readonly maxBytes?: number;
  /** rawHttp: request headers beside the kubeconfig's (never its credentials: those win). */
  readonly headers?: Readonly<Record<string, string>>;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/** Whether an error is one the upstream suite retries: timeouts, 429/5xx, EOF, resets, refusals. */
export function isTransient(e: unknown): boolean {
  if (e instanceof ApiError) return RETRY_STATUS.has(e.status);
  return e instanceof TransportError;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new Interrupted(String(signal.reason?.message ?? signal.reason ?? 'interrupted')));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Interrupted(String(signal?.reason?.message ?? signal?.reason ?? 'interrupted')));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The admission webhook the API server could not call (its 500 "failed calling webhook"), or
 * undefined: the API server answers, a component behind it does not.
 */
export function failedWebhook(e: unknown): string | undefined {
  if (!(e instanceof ApiError) || e.status !== 500) return undefined;
  const admission = /failed calling webhook "([^"]+)"/.exec(e.reason)?.[1];
  if (admission) return admission;
  const conversion = /conversion webhook for ([^,\s]+)(?:, Kind=\w+)? failed/.exec(e.reason)?.[1];
  return conversion ? `conversion webhook for ${conversion}` : undefined;
}

/** A webhook that does not answer is retried this long, not the API server's outage budget. */
const WEBHOOK_RETRY_MS = 15_000;

/** Backoff with jitter: 250 ms doubling to 4 s. */
export async function withRetry<T>(what: () => Promise<T>, opts: { signal?: AbortSignal; retryForMs?: number; onRetry?: (e: unknown) => void }): Promise<T> {
  const started = Date.now();
  const until = started + (opts.retryForMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await what();
    } catch (e) {
      if (!isTransient(e) || Date.now() >= until || opts.signal?.aborted) throw e;
      if (failedWebhook(e) && Date.now() - started >= WEBHOOK_RETRY_MS) throw e;
      opts.onRetry?.(e);
      await sleep(Math.min(4000, 250 * 2 ** attempt) * (0.75 + Math.random() / 2), opts.signal);
    }
  }
}

async function attempt(kc: KubeConfig, method: string, path: string, body: unknown, opts: RequestOptions): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason?.message ?? opts.signal.reason ?? 'interrupted'));
  countRequest();
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const init: { method: string; headers: Record<string, string>; body?: string; agent?: unknown; signal?: AbortSignal } = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = opts.contentType ?? 'application/json';
  }
  await authorize(kc, init, opts);
  init.signal = signal;
  const qs = opts.query && Object.keys(opts.query).length ? `${path.includes('?') ? '&' : '?'}${new URLSearchParams(opts.query as Record<string, string>)}` : '';
  let res;
  let text: string;
  try {
    res = await fetch(`${cluster.server.replace(/\/$/, '')}${path}${qs}`, init as never);
    text = await res.text();
  } catch (e) {
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason?.message ?? opts.signal.reason ?? 'interrupted'));
    const err = e as { code?: string; type?: string; message?: string; name?: string };
    if (timeout.aborted || err.name === 'AbortError') throw new TransportError(method, path, `no answer within ${((opts.timeoutMs ?? 30_000) / 1000).toFixed(0)}s`);
    if (err.code && RETRY_CODES.has(err.code)) throw new TransportError(method, path, err.code);
    if (err.type === 'system' || /socket hang up|EOF|premature close/i.test(err.message ?? '')) throw new TransportError(method, path, err.code ?? err.message ?? 'connection failed');
    throw e;
  }
  if (res.status >= 400) {
    let reason = text.slice(0, 300);
    try {
      reason = (JSON.parse(text) as { message?: string }).message ?? reason;
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, method, path, reason);
  }
  if (!text) return undefined;
  return (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
}

/**
 * A request through client-node's auth (certificates, tokens, exec plugins). Every attempt has a
 * timeout combined with the caller's signal; transient failures are retried with backoff.
 * Returns parsed JSON, or text for non-JSON answers (pod logs, service proxy).
 */
export async function rawRequest(kc: KubeConfig, method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<unknown> {
  return withRetry(() => attempt(kc, method, path, body, opts), opts);
}

export interface ObjectList<T = KubernetesObject> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

/**
 * Reads a collection in pages of 500, handing each page to `onPage` and keeping nothing itself, so
 * a 5,000-node or 20,000-pod cluster is neither one giant response nor held whole in memory. A
 * continue token that expired mid-read (410) restarts the read once, after `onRestart` (the caller
 * drops what it kept). Returns the list's resourceVersion.
 */
export async function rawPages<T = KubernetesObject>(kc: KubeConfig, path: string, query: Record<string, string>, opts: RequestOptions, onPage: (items: T[]) => void, onRestart: () => void): Promise<string> {
  const nodes = /^\/api\/v1\/nodes$/.test(path);
  for (let restarted = false; ; restarted = true) {
    let cont: string | undefined;
    let rv = '';
    try {
      do {
        const q: Record<string, string> = { ...query, limit: '500', ...(cont ? { continue: cont } : {}) };
        const page = (await rawRequest(kc, 'GET', path, undefined, { ...opts, query: q })) as ObjectList<T>;
        // managedFields are most of a node's bytes, and a real node lists up to 50 container images:
        // kaic reads neither, so neither is kept in memory.
        for (const o of page.items as { metadata?: { managedFields?: unknown }; status?: { images?: unknown } }[]) {
          if (o.metadata) delete o.metadata.managedFields;
          if (nodes && o.status) delete o.status.images;
        }
        onPage(page.items);
        rv = page.metadata.resourceVersion;
        cont = page.metadata.continue || undefined;
      } while (cont);
      return rv;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 410 && cont) || restarted) throw e;
      onRestart();
    }
  }
}

/** A whole collection, read in pages (rawPages). */
export async function rawList<T = KubernetesObject>(kc: KubeConfig, path: string, query: Record<string, string> = {}, opts: RequestOptions = {}): Promise<ObjectList<T>> {
  const items: T[] = [];
  const rv = await rawPages<T>(
    kc,
    path,
    query,
    opts,
    (page) => {
      for (const o of page) items.push(o);
    },
    () => (items.length = 0),
  );
  return { metadata: { resourceVersion: rv }, items };
}

/** One request whose HTTP status is the answer (service proxy, Prometheus): no retry on status. */
export async function rawHttp(kc: KubeConfig, method: string, path: string, body: string | undefined, opts: RequestOptions = {}): Promise<{ status: number; body: string; truncated?: boolean }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster in the kubeconfig');
  return withRetry(async () => {
    if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason?.message ?? opts.signal.reason ?? 'interrupted'));
    countRequest();
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const init: { method: string; headers: Record<string, string>; body?: string; agent?: unknown; signal?: AbortSignal } = { method, headers: { ...(opts.headers ?? {}) } };
    if (body !== undefined) init.body = body;
    await authorize(kc, init, opts);
    init.signal = signal;
    try {
      const res = await fetch(`${cluster.server.replace(/\/$/, '')}${path}`, init as never);
      if (!opts.maxBytes || !res.body) return { status: res.status, body: await res.text() };
      // A bounded read: an endpoint that streams without end cannot exhaust memory.
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > opts.maxBytes) {
          // node-fetch's body is a Node stream: destroyed, its connection is closed, never handed
          // back to the keep-alive pool with the rest of the body still coming.
          (res.body as unknown as { destroy?: () => void }).destroy?.();
          return { status: res.status, body: Buffer.concat(chunks).toString('utf8'), truncated: true };
        }
        chunks.push(Buffer.from(chunk));
      }
      return { status: res.status, body: Buffer.concat(chunks).toString('utf8') };
    } catch (e) {
      if (opts.signal?.aborted) throw new Interrupted(String(opts.signal.reason?.message ?? opts.signal.reason ?? 'interrupted'));
      const err = e as { code?: string; message?: string };
      throw new TransportError(method, path, timeout.aborted ? 'no answer in time' : err.code ?? err.message ?? 'connection failed');
    }
  }, opts);
}
