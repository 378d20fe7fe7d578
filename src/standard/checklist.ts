import { mkdirSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { diagnostic, type Diagnostic } from '../source/diagnostic.js';
import { locate, parseYamlText, readYamlFile, type Loaded, type YamlSource } from '../source/yaml-file.js';
import { catalogEntry, catalogFor, isKnownVersion, type Level } from './catalog.js';

export interface ChecklistRequirement {
  readonly id: string;
  readonly category: string;
  readonly description: string;
  readonly level: Level;
}

export interface ChecklistCategory {
  readonly id: string;
  readonly requirements: readonly ChecklistRequirement[];
}

/** One version of the standard as the official checklist YAML states it. */
export interface Checklist {
  readonly version: string;
  /** Where it came from: a path, a cache path, or `catalog` when no checklist text was available. */
  readonly source: string;
  readonly categories: readonly ChecklistCategory[];
  readonly metadataKeys: readonly string[];
  /** The parsed official file, kept for `kaic init` (comments and order); absent for catalog-only. */
  readonly yaml?: YamlSource;
}

export const checklistFileName = (version: string) => `AIConformance-${version.replace(/^v/, '')}.yaml`;

export function requirements(c: Checklist): ChecklistRequirement[] {
  return c.categories.flatMap((cat) => cat.requirements);
}

export function findRequirement(c: Checklist, id: string): ChecklistRequirement | undefined {
  return requirements(c).find((r) => r.id === id);
}

/** Turns a parsed checklist YAML into a Checklist, reporting structural problems with locations. */
export function parseChecklist(src: YamlSource, source: string): Loaded<Checklist> {
  const bad = (path: (string | number)[], message: string): Loaded<Checklist> => ({
    ok: false,
    diagnostics: [diagnostic('SPEC_TYPE', { file: src.file, ...locate(src, path) }, path, `checklist: ${message}`)],
  });
  const root = src.data;
  if (!root || typeof root !== 'object') return bad([], 'not a mapping');
  const r = root as Record<string, unknown>;
  const meta = r['metadata'];
  const version = meta && typeof meta === 'object' ? (meta as Record<string, unknown>)['kubernetesVersion'] : undefined;
  if (typeof version !== 'string' || !/^v\d+\.\d+$/.test(version)) return bad(['metadata', 'kubernetesVersion'], 'metadata.kubernetesVersion must be a version such as v1.37');
  const spec = r['spec'];
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return bad(['spec'], 'spec must be a mapping of categories');
  const categories: ChecklistCategory[] = [];
  for (const [cat, list] of Object.entries(spec as Record<string, unknown>)) {
    if (!Array.isArray(list)) return bad(['spec', cat], `category ${cat} must be a list`);
    const reqs: ChecklistRequirement[] = [];
    for (const [i, item] of list.entries()) {
      const it = item as Record<string, unknown>;
      if (!it || typeof it.id !== 'string' || typeof it.description !== 'string' || (it.level !== 'MUST' && it.level !== 'SHOULD')) {
        return bad(['spec', cat, i], 'each requirement needs a string id, a string description and level MUST or SHOULD');
      }
      reqs.push({ id: it.id, category: cat, description: it.description, level: it.level });
    }
    categories.push({ id: cat, requirements: reqs });
  }
  const metadataKeys = meta && typeof meta === 'object' ? Object.keys(meta as object) : [];
  return { ok: true, value: { version, source, categories, metadataKeys, yaml: src }, warnings: crossCheck(src, version, categories) };
}

/** Where the checklist and kaic's catalog disagree. Unknown versions work from the checklist alone. */
function crossCheck(src: YamlSource, version: string, categories: readonly ChecklistCategory[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[]) => ({ file: src.file, ...locate(src, path) });
  if (!isKnownVersion(version)) {
    out.push(diagnostic('CHECKLIST_DRIFT', at(['metadata', 'kubernetesVersion']), ['metadata', 'kubernetesVersion'], `kaic's catalog does not know ${version} yet; working from the checklist alone`));
    return out;
  }
  const expected = new Map(catalogFor(version).map((x) => [x.entry.id, x]));
  for (const cat of categories) {
    cat.requirements.forEach((r, i) => {
      const want = expected.get(r.id);
      const path = ['spec', cat.id, i];
      if (!want) out.push(diagnostic('CHECKLIST_DRIFT', at(path), path, `checklist has ${r.id}, which kaic's catalog does not list for ${version}`));
      else {
        if (want.level !== r.level) out.push(diagnostic('CHECKLIST_DRIFT', at([...path, 'level']), [...path, 'level'], `checklist says ${r.id} is ${r.level} in ${version}; kaic's catalog says ${want.level}`));
        if (want.entry.category !== cat.id) out.push(diagnostic('CHECKLIST_DRIFT', at(path), path, `checklist puts ${r.id} in ${cat.id}; kaic's catalog puts it in ${want.entry.category}`));
        expected.delete(r.id);
      }
    });
  }
  for (const id of expected.keys()) out.push(diagnostic('CHECKLIST_DRIFT', at(['spec']), ['spec'], `kaic's catalog lists ${id} for ${version} but the checklist does not have it`));
  return out;
}

/** A checklist built from the catalog alone: ids, categories and levels, no descriptions. */
export function catalogChecklist(version: string): Checklist | undefined {
  if (!isKnownVersion(version)) return undefined;
  const cats = new Map<string, ChecklistRequirement[]>();
  for (const { entry, level } of catalogFor(version)) {
    const list = cats.get(entry.category) ?? [];
    list.push({ id: entry.id, category: entry.category, description: '', level });
    cats.set(entry.category, list);
  }
  return { version, source: 'catalog', categories: [...cats].map(([id, requirements]) => ({ id, requirements })), metadataKeys: [] };
}

export interface ChecklistOptions {
  /** A checklist file, or a folder holding AIConformance-X.Y.yaml files. */
  readonly checklist?: string;
  /** Never touch the network. */
  readonly offline?: boolean;
  readonly cacheDir?: string;
  readonly fetchImpl?: typeof fetch;
  /** Use the checklists shipped with kaic (default true; false to exercise the cache and download). */
  readonly bundled?: boolean;
}

export const defaultCacheDir = () => process.env.KAIC_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kaic');
const OFFICIAL_BASE = 'https://raw.githubusercontent.com/cncf/k8s-ai-conformance/main/docs/';

/**
 * The official checklists shipped in the package (`checklists/`, beside `src/` and `dist/`), with
 * their source recorded in `checklists/sources.json`.
 */
export const BUNDLED_CHECKLISTS = fileURLToPath(new URL('../../checklists/', import.meta.url));

/**
 * Finds the checklist for a version: `--checklist` (file or folder), then the copy shipped with
 * kaic, then the cache, then (unless offline) a download from the official repository into the cache.
 */
export async function loadChecklist(version: string, opts: ChecklistOptions = {}): Promise<Loaded<Checklist>> {
  const name = checklistFileName(version);
  const unknown = (message: string): Loaded<Checklist> => ({ ok: false, diagnostics: [diagnostic('VERSION_UNKNOWN', { file: opts.checklist ?? name, line: 1, col: 1 }, [], message)] });
  const fromFile = (file: string): Loaded<Checklist> => {
    const y = readYamlFile(file);
    if (!y.ok) return y;
    const c = parseChecklist(y.value, file);
    if (c.ok && c.value.version !== version) return unknown(`${file} is the checklist for ${c.value.version}, not ${version}`);
    return c;
  };
  if (opts.checklist) {
    let isDir = false;
    try {
      isDir = statSync(opts.checklist).isDirectory();
    } catch {
      return unknown(`--checklist ${opts.checklist}: no such file or folder`);
    }
    if (!isDir) return fromFile(opts.checklist);
    const file = join(opts.checklist, name);
    if (existsSync(file)) return fromFile(file);
    return unknown(`no checklist for ${version} in ${opts.checklist} (looked for ${name})`);
  }
  const bundled = join(BUNDLED_CHECKLISTS, name);
  if (opts.bundled !== false && existsSync(bundled)) return fromFile(bundled);
  const cacheDir = join(opts.cacheDir ?? defaultCacheDir(), 'checklists');
  const cached = join(cacheDir, name);
  if (existsSync(cached)) return fromFile(cached);
  if (opts.offline) {
    return unknown(`no checklist for ${version} available offline: pass --checklist FILE|DIR, or run once without --offline to cache it`);
  }
  const url = OFFICIAL_BASE + name;
  let text: string;
  try {
    const res = await (opts.fetchImpl ?? fetch)(url, { signal: AbortSignal.timeout(20_000) });
    if (res.status === 404) return unknown(`the official repository has no checklist for ${version} (${url} answered 404)`);
    if (!res.ok) return unknown(`downloading the ${version} checklist failed: ${url} answered ${res.status}`);
    text = await res.text();
  } catch (e) {
    return unknown(`downloading the ${version} checklist failed (${(e as Error).message}); pass --checklist FILE|DIR or --offline with a cached copy`);
  }
  const parsed = parseYamlText(text, url);
  if (!parsed.ok) return parsed;
  const c = parseChecklist(parsed.value, url);
  if (!c.ok) return c;
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, cached);
  return { ok: true, value: { ...c.value, source: cached }, warnings: c.warnings };
}

export function knownTestsFor(id: string): readonly string[] {
  return catalogEntry(id)?.tests ?? [];
}

