import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DiscoverContext, TypeRef } from '../src/checks/api.js';

export const ROOT = resolve(import.meta.dirname, '..');
/** `../shared/corpus` beside the checkout (CI lays it out that way); KAIC_CORPUS overrides. */
export const CORPUS = process.env.KAIC_CORPUS ?? resolve(ROOT, '..', 'shared', 'corpus');
export const CHECKLISTS = join(CORPUS, 'checklists');
export const SUBMISSIONS = join(CORPUS, 'submissions');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

if (!existsSync(CHECKLISTS)) throw new Error(`test corpus not found at ${CORPUS} (set KAIC_CORPUS)`);

export function allSubmissions(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n === 'PRODUCT.yaml') out.push(p);
    }
  };
  walk(SUBMISSIONS);
  return out.sort();
}

export const tmp = (prefix = 'kaic-test-') => mkdtempSync(join(tmpdir(), prefix));

/** Runs the built CLI (dist) the way a user does. */
export function kaic(args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kaic.js'), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, KAIC_CACHE: join(tmpdir(), 'kaic-test-cache-empty'), ...opts.env },
    encoding: 'utf8',
    input: opts.input,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A fake discovery context with `scan` made from its `list`: the items each picked, the undefined
 * ones dropped, narrowed to `namespace` when one is asked for (as the API server's namespaced list).
 * A plain function, so a check may destructure it.
 */
export function withScan<S>(ctx: Omit<DiscoverContext<S>, 'scan'>): DiscoverContext<S> {
  return {
    ...ctx,
    scan: async <T, R>(t: TypeRef & { readonly namespace?: string }, pick: (item: T) => R | undefined) => {
      const out: R[] = [];
      for (const item of (await ctx.list<T>(t)) as (T & { metadata?: { namespace?: string } })[]) {
        if (t.namespace && item.metadata?.namespace !== t.namespace) continue;
        const r = pick(item);
        if (r !== undefined) out.push(r);
      }
      return out;
    },
  };
}
