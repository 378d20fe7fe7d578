import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { detectFormat } from '../artifacts/go-test-report.js';
import type { Diagnostic } from '../source/diagnostic.js';
import { readHead } from '../source/read-file.js';
import { ARTIFACT_URL } from './rules/anti-patterns.js';
import { resolveEvidence } from './evidence.js';
import type { SubmissionRequirement } from './model.js';
import { Validator, type FileResult, type ValidateOptions } from './validate.js';

/** What one MUST rests on, strongest first. */
export type Support = 'test report' | 'test write-up' | 'docs only' | 'nothing';

export interface MustSupport {
  readonly id: string;
  readonly status: string;
  readonly support: Support;
  readonly evidence: readonly string[];
}

export interface ReviewChange {
  readonly id: string;
  readonly what: 'added' | 'removed' | 'status' | 'level' | 'description' | 'evidence removed' | 'evidence added' | 'notes';
  readonly before?: string;
  readonly after?: string;
}

export interface Review {
  readonly file: string;
  readonly result: FileResult;
  readonly musts: readonly MustSupport[];
  /** The same vendor's previous certification (same product folder name, highest lower version). */
  readonly previous?: { file: string; version: string; changes: readonly ReviewChange[] };
}

const RANK: Support[] = ['test report', 'test write-up', 'docs only', 'nothing'];

function supportOf(entry: string, productFile: string, failing: ReadonlySet<number>, index: number): Support {
  const ref = resolveEvidence(entry, productFile);
  if (ref.kind === 'empty' || failing.has(index)) return 'nothing';
  if (ref.kind === 'url') return ARTIFACT_URL.test(ref.url) ? 'test write-up' : 'docs only';
  if (ref.escapes || !existsSync(ref.abs)) return 'nothing';
  const head = readHead(ref.abs, 8192);
  if (head && detectFormat(head.bytes.toString('utf8'))) return 'test report';
  return statSync(ref.abs).isDirectory() || head ? 'test write-up' : 'nothing';
}

/** Validation, what each MUST rests on, and the diff against the vendor's previous certification. */
export async function reviewSubmission(path: string, opts: ValidateOptions = {}): Promise<Review> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'PRODUCT.yaml') : path;
  const validator = new Validator(opts);
  const result = await validator.validateFile(file);
  const sub = result.submission;
  const musts: MustSupport[] = [];
  if (sub && result.version) {
    const loaded = await validator.checklist(result.version);
    const levels = new Map(loaded.ok ? loaded.value.categories.flatMap((c) => c.requirements).map((r) => [r.id, r.level]) : []);
    for (const req of sub.requirements) {
      if (levels.get(req.id) !== 'MUST') continue;
      // An entry a finding rejects (missing file, failing report) shows nothing.
      const failing = new Set(result.diagnostics.filter((d: Diagnostic) => d.severity === 'error' && d.path.length === req.path.length + 2 && d.path.slice(0, req.path.length).join('/') === req.path.join('/') && d.path[req.path.length] === 'evidence').map((d) => Number(d.path[req.path.length + 1])));
      const kinds = req.evidence.map((e, i) => supportOf(e, file, failing, i));
      const best = RANK.find((k) => kinds.includes(k)) ?? 'nothing';
      musts.push({ id: req.id, status: req.status ?? '', support: best, evidence: req.evidence });
    }
  }
  const prevFile = previousCertification(file, result.version);
  let previous: Review['previous'];
  if (prevFile && sub) {
    const prev = await new Validator({ ...opts, version: prevFile.version }).validateFile(prevFile.file);
    if (prev.submission) previous = { file: prevFile.file, version: prevFile.version, changes: diffRequirements(prev.submission.requirements, sub.requirements) };
  }
  return { file, result, musts, ...(previous ? { previous } : {}) };
}

const versionKey = (v: string) => v.slice(1).split('.').map(Number).reduce((a, n) => a * 1000 + n, 0);

function previousCertification(file: string, version: string | undefined): { file: string; version: string } | undefined {
  if (!version) return undefined;
  const productDir = dirname(file);
  const name = basename(productDir).toLowerCase();
  const versionDir = dirname(productDir);
  if (basename(versionDir) !== version) return undefined;
  const root = dirname(versionDir);
  let best: { file: string; version: string } | undefined;
  for (const v of readdirSync(root).filter((d) => /^v\d+\.\d+$/.test(d) && versionKey(d) < versionKey(version))) {
    const match = readdirSync(join(root, v)).find((d) => d.toLowerCase() === name);
    const candidate = match && join(root, v, match, 'PRODUCT.yaml');
    if (candidate && existsSync(candidate) && (!best || versionKey(v) > versionKey(best.version))) best = { file: candidate, version: v };
  }
  return best;
}

export function diffRequirements(before: readonly SubmissionRequirement[], after: readonly SubmissionRequirement[]): ReviewChange[] {
  const out: ReviewChange[] = [];
  const old = new Map(before.map((r) => [r.id, r]));
  const now = new Map(after.map((r) => [r.id, r]));
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  for (const r of after) {
    const p = old.get(r.id);
    if (!p) {
      out.push({ id: r.id, what: 'added' });
      continue;
    }
    if ((p.status ?? '') !== (r.status ?? '')) out.push({ id: r.id, what: 'status', before: p.status ?? '', after: r.status ?? '' });
    if (p.level !== r.level) out.push({ id: r.id, what: 'level', before: p.level, after: r.level });
    if (norm(p.description) !== norm(r.description)) out.push({ id: r.id, what: 'description' });
    for (const e of p.evidence) if (e.trim() && !r.evidence.includes(e)) out.push({ id: r.id, what: 'evidence removed', before: e });
    for (const e of r.evidence) if (e.trim() && !p.evidence.includes(e)) out.push({ id: r.id, what: 'evidence added', after: e });
    if (norm(p.notes) !== norm(r.notes)) out.push({ id: r.id, what: 'notes' });
  }
  for (const p of before) if (!now.has(p.id)) out.push({ id: p.id, what: 'removed' });
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The review as Markdown, for a pull-request comment. `base` shortens paths. */
export function renderReviewMarkdown(r: Review, base = ''): string {
  const rel = (f: string) => (base ? relative(base, f) : f);
  const errors = r.result.diagnostics.filter((d) => d.severity === 'error');
  const warnings = r.result.diagnostics.length - errors.length;
  const lines = [`## kaic review: \`${rel(r.file)}\``, ''];
  lines.push(`**${errors.length === 0 ? 'Passes validation' : 'Does not pass validation'}**: ${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${r.result.version ?? 'unknown version'}).`, '');
  if (r.result.diagnostics.length > 0) {
    lines.push('### Findings', '', '| where | severity | rule | finding |', '|:--|:--|:--|:--|');
    for (const d of r.result.diagnostics) lines.push(`| ${d.line}:${d.col} | ${d.severity} | \`${d.code}\` | ${cell(d.message)} |`);
    lines.push('');
  }
  lines.push('### What each MUST rests on', '', '| requirement | status | rests on | evidence |', '|:--|:--|:--|:--|');
  for (const m of r.musts) lines.push(`| \`${m.id}\` | ${m.status || '(empty)'} | ${m.support === 'test report' || m.support === 'test write-up' ? m.support : `**${m.support}**`} | ${cell(m.evidence.filter((e) => e.trim()).join(', ') || '—')} |`);
  lines.push('');
  const counts = RANK.map((k) => [k, r.musts.filter((m) => m.support === k).length] as const).filter(([, n]) => n > 0);
  lines.push(counts.map(([k, n]) => `${n} on ${k}`).join(', ') || 'No MUST requirements found.', '');
  if (r.previous) {
    lines.push(`### Changes since ${rel(r.previous.file)} (${r.previous.version})`, '');
    if (r.previous.changes.length === 0) lines.push('No answer, level, description or evidence changed.', '');
    else {
      lines.push('| requirement | change | before | after |', '|:--|:--|:--|:--|');
      for (const c of r.previous.changes) lines.push(`| \`${c.id}\` | ${c.what} | ${cell(c.before ?? '')} | ${cell(c.after ?? '')} |`);
      lines.push('');
    }
  } else lines.push('### Changes since the previous certification', '', 'No earlier certification of this product found beside it.', '');
  return `${lines.join('\n')}\n`;
}
