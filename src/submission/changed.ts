import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

/**
 * The submissions a pull request touches, from git: every `vX.Y/<product>/` folder with a changed,
 * added or renamed file since `ref` (committed or not, plus untracked files), reduced to the
 * PRODUCT.yaml files that still exist. `within` limits the search to those paths.
 */
export function changedSubmissions(ref: string, within: readonly string[] = []): { ok: true; files: string[] } | { ok: false; message: string } {
  if (!ref || ref.startsWith('-')) return { ok: false, message: `--changed-since ${ref}: expected a git ref such as origin/main` };
  const cwd = within.length > 0 ? dirOf(within[0]!) : process.cwd();
  const git = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  let top: string;
  let names: string[];
  try {
    top = git(['rev-parse', '--show-toplevel']).trim();
  } catch {
    return { ok: false, message: `--changed-since: ${cwd} is not inside a git repository` };
  }
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return { ok: false, message: `--changed-since ${ref}: no such commit, branch or tag in ${top}` };
  }
  try {
    names = [
      ...git(['diff', '--name-only', '--no-renames', '-z', ref, '--']).split('\0'),
      ...git(['ls-files', '--others', '--exclude-standard', '-z']).split('\0'),
    ].filter(Boolean);
  } catch (e) {
    return { ok: false, message: `--changed-since ${ref}: git diff failed (${(e as Error).message.split('\n')[0]})` };
  }
  const roots = within.map((p) => resolve(p));
  const files = new Set<string>();
  for (const name of names) {
    const m = /^(.*?(?:^|\/)v\d+\.\d+\/[^/]+)\//.exec(name);
    if (!m) continue;
    const product = join(top, m[1]!, 'PRODUCT.yaml');
    if (!existsSync(product)) continue;
    if (roots.length > 0 && !roots.some((r) => isInside(r, product))) continue;
    files.add(product);
  }
  return { ok: true, files: [...files].sort() };
}

function dirOf(p: string): string {
  try {
    return statSync(p).isDirectory() ? p : resolve(p, '..');
  } catch {
    return process.cwd();
  }
}

function isInside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
