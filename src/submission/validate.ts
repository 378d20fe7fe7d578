import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compareDiagnostics, diagnostic, type Diagnostic } from '../source/diagnostic.js';
import { locate, parseYamlText, readYamlFile, type Loaded, type YamlSource } from '../source/yaml-file.js';
import { STRICT_CODES } from '../source/codes.js';
import { catalogChecklist, loadChecklist, type Checklist, type ChecklistOptions } from '../standard/checklist.js';
import { readSubmission, type Submission } from './model.js';
import { antiPatternRule } from './rules/anti-patterns.js';
import { makeContext, type Rule } from './rules/context.js';
import { evidenceRule, type ArtifactCache } from './rules/evidence.js';
import { metadataField, metadataRule, METADATA_FIELDS } from './rules/metadata.js';
import { simulatedEvidenceRule } from './rules/simulated.js';
import { statusRule } from './rules/status.js';
import { structureRule } from './rules/structure.js';
import { resolveEvidence } from './evidence.js';
import { UrlChecker } from './url-check.js';

export interface ValidateOptions extends ChecklistOptions {
  /** Skip every network check (URLs, CNCF membership, checklist download). */
  readonly offline?: boolean;
  /** Force the version instead of reading it from the path or metadata. */
  readonly version?: string;
  readonly fetchImpl?: typeof fetch;
  /**
   * For whole-corpus analysis: read YAML with the fast parser and compute finding positions only
   * when read (findings are then not sorted by line).
   */
  readonly bulk?: boolean;
  /** `--strict`: the anti-pattern warnings (STRICT_CODES) become errors. */
  readonly strict?: boolean;
}

export interface FileResult {
  readonly file: string;
  readonly version?: string;
  readonly checklistSource?: string;
  readonly diagnostics: readonly Diagnostic[];
  /** Input could not be read or judged at all (exit code 2). */
  readonly unreadable: boolean;
  /** The parsed submission, when the file was readable YAML. */
  readonly submission?: Submission;
  /** kaic failed on this file (a bug): the error, reported as INTERNAL_ERROR; other files go on. */
  readonly internalError?: Error;
}

const INPUT_CODES = new Set(['INPUT_UNREADABLE', 'YAML_SYNTAX', 'VERSION_UNKNOWN']);

/** Expands the paths a user gave: a file, a submission folder, or a tree of submissions. */
export function expandPaths(paths: readonly string[]): { files: string[]; diagnostics: Diagnostic[] } {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const walk = (dir: string, out: string[]) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      diagnostics.push(diagnostic('INPUT_UNREADABLE', { file: dir, line: 1, col: 1 }, [], `cannot list the folder (${(e as NodeJS.ErrnoException).code ?? String(e)})`));
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p, out);
      else if (entry.name === 'PRODUCT.yaml') out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      diagnostics.push(diagnostic('INPUT_UNREADABLE', { file: p, line: 1, col: 1 }, [], 'no such file or folder'));
      continue;
    }
    if (!st.isDirectory()) files.push(p);
    else if (existsSync(join(p, 'PRODUCT.yaml'))) files.push(join(p, 'PRODUCT.yaml'));
    else {
      const found: string[] = [];
      walk(p, found);
      if (found.length === 0) diagnostics.push(diagnostic('INPUT_UNREADABLE', { file: p, line: 1, col: 1 }, [], 'folder holds no PRODUCT.yaml'));
      files.push(...found);
    }
  }
  return { files, diagnostics };
}

/** Validates PRODUCT.yaml files. Checklists, parsed artifacts and URL results are shared across files. */
export class Validator {
  private readonly checklists = new Map<string, ReturnType<typeof loadChecklist>>();
  private readonly artifacts: ArtifactCache = new Map();
  private readonly urls: UrlChecker;
  private members?: Promise<Set<string> | Error>;

  constructor(private readonly opts: ValidateOptions = {}) {
    this.urls = new UrlChecker(opts.fetchImpl);
  }

  checklist(version: string) {
    let c = this.checklists.get(version);
    if (!c) {
      c = loadChecklist(version, this.opts);
      this.checklists.set(version, c);
    }
    return c;
  }

  /** Validates one file. Never throws: a kaic bug on one file becomes that file's INTERNAL_ERROR. */
  async validateFile(file: string): Promise<FileResult> {
    try {
      return this.finish(await this.judge(file, readYamlFile(file, file, { fast: this.opts.bulk })));
    } catch (e) {
      return internalResult(file, e);
    }
  }

  /**
   * Validates PRODUCT.yaml content as if it were the file at `file` (evidence resolves next to it).
   * The fuzz test feeds mutants through here, in-process.
   */
  async validateText(input: Buffer | string, file: string): Promise<FileResult> {
    try {
      return this.finish(await this.judge(file, parseYamlText(input, file, { fast: this.opts.bulk })));
    } catch (e) {
      return internalResult(file, e);
    }
  }

  private finish(r: FileResult): FileResult {
    if (!this.opts.strict) return r;
    return { ...r, diagnostics: r.diagnostics.map((d) => (d.severity === 'warning' && STRICT_CODES.has(d.code) ? { code: d.code, severity: 'error' as const, file: d.file, line: d.line, col: d.col, path: d.path, message: d.message, ...(d.requirement ? { requirement: d.requirement } : {}) } : d)) };
  }

  private async judge(file: string, loaded: Loaded<YamlSource>): Promise<FileResult> {
    if (!loaded.ok) return { file, diagnostics: loaded.diagnostics, unreadable: true };
    const { submission, diagnostics } = readSubmission(loaded.value);
    const out: Diagnostic[] = [...diagnostics];
    const version = this.opts.version ?? submission.pathVersion ?? submission.metaVersion;
    const at = (path: (string | number)[]) => ({ file, ...locate(submission.src, path) });
    if (!version) {
      out.push(diagnostic('VERSION_UNKNOWN', at(['metadata']), ['metadata', 'kubernetesVersion'], 'cannot tell the Kubernetes version: no vX.Y/ folder in the path and no metadata.kubernetesVersion'));
      return { file, diagnostics: out.sort(compareDiagnostics), unreadable: true, submission };
    }
    if (submission.pathVersion && submission.metaVersion && submission.pathVersion !== submission.metaVersion) {
      const key = metadataField(submission.metadata, 'kubernetesVersion')!.key;
      out.push(diagnostic('VERSION_MISMATCH', at(['metadata', key]), ['metadata', key], `metadata says ${submission.metaVersion} but the file sits under ${submission.pathVersion}/; validating against ${version}`));
    }
    let checklist: Checklist;
    const loadedChecklist = await this.checklist(version);
    if (loadedChecklist.ok) {
      checklist = loadedChecklist.value;
    } else {
      const fallback = this.opts.offline && !this.opts.checklist ? catalogChecklist(version) : undefined;
      if (!fallback) {
        const first = loadedChecklist.diagnostics[0]!;
        out.push({ ...first, ...at(['metadata']), message: `${version}: ${first.message}` });
        return { file, version, diagnostics: out.sort(compareDiagnostics), unreadable: true, submission };
      }
      checklist = fallback;
      out.push(diagnostic('CHECKLIST_DRIFT', { file, line: 1, col: 1 }, [], `no ${version} checklist available offline; judged by kaic's catalog (ids and levels only, descriptions unchecked)`));
    }
    const ctx = makeContext(submission, checklist, version, out, { lazyPositions: this.opts.bulk });
    const rules: Rule[] = [metadataRule, structureRule, statusRule, evidenceRule(this.artifacts), simulatedEvidenceRule, antiPatternRule];
    for (const rule of rules) rule(ctx);
    if (!this.opts.offline) await this.online(submission, out);
    return { file, version, checklistSource: checklist.source, diagnostics: this.opts.bulk ? out : out.sort(compareDiagnostics), unreadable: out.some((d) => INPUT_CODES.has(d.code) && d.severity === 'error'), submission };
  }

  private async online(sub: Submission, out: Diagnostic[]) {
    const checks: Promise<void>[] = [];
    const add = (url: string, path: (string | number)[], label: string, requirement?: string) =>
      checks.push(
        this.urls.check(url).then((v) => {
          if (!v.ok) out.push(diagnostic('URL_UNREACHABLE', { file: sub.file, ...locate(sub.src, path) }, path, `${label} ${url} is not reachable (${v.reason})`, { requirement }));
        }),
      );
    for (const field of Object.keys(METADATA_FIELDS)) {
      const f = metadataField(sub.metadata, field);
      if (typeof f?.value === 'string' && /^https?:\/\//i.test(f.value) && !/^\[.*\]$/.test(f.value)) add(f.value, ['metadata', f.key], `metadata ${f.key}`);
    }
    for (const r of sub.requirements) {
      r.evidence.forEach((e, i) => {
        const ref = resolveEvidence(e, sub.file);
        if (ref.kind === 'url') add(ref.url, [...r.path, 'evidence', i], `evidence for ${r.id}:`, r.id);
      });
    }
    const vendor = metadataField(sub.metadata, 'vendorName');
    if (typeof vendor?.value === 'string' && vendor.value.trim()) {
      const members = await this.cncfMembers();
      const path = ['metadata', vendor.key];
      const where = { file: sub.file, ...locate(sub.src, path) };
      if (members instanceof Error) out.push(diagnostic('NETWORK_CHECK_FAILED', where, path, `CNCF membership not checked: ${members.message}`));
      else if (!members.has(vendor.value.trim())) out.push(diagnostic('VENDOR_NOT_CNCF_MEMBER', where, path, `vendorName "${vendor.value.trim()}" does not exactly match a CNCF member listed in the CNCF landscape`));
    }
    await Promise.all(checks);
  }

  private cncfMembers(): Promise<Set<string> | Error> {
    this.members ??= (async () => {
      try {
        const res = await (this.opts.fetchImpl ?? fetch)('https://raw.githubusercontent.com/cncf/landscape/master/landscape.yml', { signal: AbortSignal.timeout(60_000) });
        if (!res.ok) return new Error(`the CNCF landscape answered HTTP ${res.status}`);
        const data = parseYaml(await res.text(), { maxAliasCount: -1 }) as { landscape?: { name?: string; subcategories?: { items?: { name?: string }[] }[] }[] };
        const cat = data.landscape?.find((c) => c.name === 'CNCF Members');
        if (!cat) return new Error('the CNCF landscape has no "CNCF Members" category');
        const names = new Set<string>();
        for (const sub of cat.subcategories ?? []) for (const it of sub.items ?? []) if (it.name) names.add(it.name.replace(/ \((member|supporter)\)$/, '').trim());
        return names;
      } catch (e) {
        return new Error(`could not fetch the CNCF landscape (${(e as Error).message})`);
      }
    })();
    return this.members;
  }
}

export async function validatePaths(paths: readonly string[], opts: ValidateOptions = {}): Promise<FileResult[]> {
  const { files, diagnostics } = expandPaths(paths);
  const v = new Validator(opts);
  const results: FileResult[] = diagnostics.map((d) => ({ file: d.file, diagnostics: [d], unreadable: true }));
  for (const f of files) {
    results.push(await v.validateFile(f));
    // Let the event loop breathe between files: a SIGTERM is handled within one file's time.
    await new Promise((r) => setImmediate(r));
  }
  return results;
}

function internalResult(file: string, e: unknown): FileResult {
  const err = e instanceof Error ? e : new Error(String(e));
  const first = (err.message.split('\n')[0] ?? '').slice(0, 200);
  return {
    file,
    diagnostics: [diagnostic('INTERNAL_ERROR', { file, line: 1, col: 1 }, [], `kaic failed on this file: ${err.name}: ${first} (this is a kaic bug, not a problem in the file; run with --debug for the trace and report it)`)],
    unreadable: false,
    internalError: err,
  };
}

export function exitCodeForValidation(results: readonly FileResult[]): 0 | 1 | 2 {
  if (results.some((r) => r.unreadable)) return 2;
  return results.some((r) => r.diagnostics.some((d) => d.severity === 'error')) ? 1 : 0;
}
