import { readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { catalogChecklist, type Checklist } from '../standard/checklist.js';
import type { Submission } from '../submission/model.js';
import { metadataField } from '../submission/rules/metadata.js';
import { Validator } from '../submission/validate.js';
import { mentions } from './aliases.js';
import type { RequirementRecord, SubmissionRecord } from './records.js';

export interface LoadOptions {
  readonly checklist?: string;
  readonly offline?: boolean;
}

/** Every PRODUCT.yaml below `root`, in path order. */
export function findSubmissions(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === 'PRODUCT.yaml') out.push(join(dir, e.name));
    }
  };
  walk(root);
  return out;
}

/**
 * Reads and validates (offline, fast mode) every submission below `root`. Odd files are records
 * with what could be read; an unreadable one is kept with its reason, never dropped silently.
 */
export async function loadSubmissions(root: string, opts: LoadOptions = {}): Promise<SubmissionRecord[]> {
  // One thread on purpose: measured on the 2-core machines this runs on, two worker threads were no
  // faster than one (bench/run.ts), so the simpler path stays.
  return loadFiles(root, findSubmissions(root), opts);
}

/** Reads the given files (all below `root`) in this thread. */
export async function loadFiles(root: string, files: readonly string[], opts: LoadOptions = {}): Promise<SubmissionRecord[]> {
  const validator = new Validator({ checklist: opts.checklist, offline: true, bulk: true });
  const checklists = new Map<string, Checklist | undefined>();
  const checklistFor = async (v: string) => {
    if (!checklists.has(v)) {
      const r = await validator.checklist(v);
      checklists.set(v, r.ok ? r.value : catalogChecklist(v));
    }
    return checklists.get(v);
  };
  const out: SubmissionRecord[] = [];
  for (const file of files) {
    const rel = relative(root, file).split('\\').join('/');
    const dir = dirname(file);
    const key = basename(dir).toLowerCase();
    const result = await validator.validateFile(file);
    const findings = result.diagnostics.map((d) => ({ code: d.code, severity: d.severity, ...(d.requirement ? { requirement: d.requirement } : {}) }));
    const sub = result.submission;
    if (!sub || !result.version) {
      out.push({ path: rel, version: result.version ?? 'unknown', key, vendor: key, platform: key, requirements: [], findings, unreadable: result.diagnostics[0]?.message ?? 'unreadable' });
      continue;
    }
    const checklist = await checklistFor(result.version);
    out.push(record(rel, result.version, key, sub, checklist, findings));
  }
  return out;
}

const text = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

function record(path: string, version: string, key: string, sub: Submission, checklist: Checklist | undefined, findings: SubmissionRecord['findings']): SubmissionRecord {
  const wanted = checklist?.categories.flatMap((c) => c.requirements) ?? [];
  const requirements: RequirementRecord[] = wanted.map((w) => {
    const have = sub.requirements.find((r) => r.id === w.id);
    return {
      id: w.id,
      category: w.category,
      level: w.level,
      status: (have?.status ?? '').trim(),
      evidence: have?.evidence ?? [],
      components: have ? mentions(`${have.notes}\n${have.evidence.join('\n')}`) : [],
    };
  });
  return {
    path,
    version,
    key,
    vendor: text(metadataField(sub.metadata, 'vendorName')?.value) || key,
    platform: text(metadataField(sub.metadata, 'platformName')?.value) || key,
    requirements,
    findings,
  };
}
