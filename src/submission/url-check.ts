/** HTTP reachability as the CNCF validator judges it: HEAD, then GET; 4xx/5xx fail, 429 is tolerated. */
export type UrlVerdict = { ok: true } | { ok: false; reason: string };

const USER_AGENT = 'kaic (Kubernetes AI Conformance toolkit; link check)';

export async function checkUrl(url: string, fetchImpl: typeof fetch = fetch, timeoutMs = 30_000): Promise<UrlVerdict> {
  const attempt = async (method: 'HEAD' | 'GET') => {
    const res = await fetchImpl(url, { method, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': USER_AGENT, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    if (method === 'GET') await res.body?.cancel().catch(() => undefined);
    return res.status;
  };
  const good = (s: number) => s < 400 || s === 429;
  try {
    if (good(await attempt('HEAD'))) return { ok: true };
  } catch {
    // fall through to GET, as the CNCF validator does
  }
  try {
    const status = await attempt('GET');
    return good(status) ? { ok: true } : { ok: false, reason: `HTTP ${status}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { ok: false, reason: err.cause?.code ?? err.name ?? err.message };
  }
}

/** Runs URL checks with bounded concurrency, each URL once. */
export class UrlChecker {
  private readonly results = new Map<string, Promise<UrlVerdict>>();
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly fetchImpl: typeof fetch = fetch, private readonly concurrency = 8) {}

  check(url: string): Promise<UrlVerdict> {
    let p = this.results.get(url);
    if (!p) {
      p = this.slot().then(async (release) => {
        try {
          return await checkUrl(url, this.fetchImpl);
        } finally {
          release();
        }
      });
      this.results.set(url, p);
    }
    return p;
  }

  private slot(): Promise<() => void> {
    const release = () => {
      this.active--;
      this.queue.shift()?.();
    };
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve(release);
    }
    return new Promise((res) => this.queue.push(() => { this.active++; res(release); }));
  }
}
