import { compareVersions, titleFor } from '../standard/catalog.js';
import { COMPONENTS } from './aliases.js';
import type { RequirementRecord, SubmissionRecord } from './records.js';

/**
 * The cross-vendor analysis, computed from submission records. Pure: the same records give the same
 * numbers; renderers (Markdown, HTML) and `--format json` all read this one structure.
 */
export type StatusBucket = 'implemented' | 'partial' | 'notImplemented' | 'na' | 'blank' | 'other';
export const BUCKETS: readonly StatusBucket[] = ['implemented', 'partial', 'notImplemented', 'na', 'blank', 'other'];
export const BUCKET_LABEL: Record<StatusBucket, string> = { implemented: 'Implemented', partial: 'Partial', notImplemented: 'Not Implemented', na: 'N/A', blank: 'blank', other: 'invalid' };
export const BUCKET_CODE: Record<StatusBucket, string> = { implemented: 'Y', partial: 'P', notImplemented: 'N', na: '-', blank: '', other: '?' };

export function bucketOf(status: string): StatusBucket {
  switch (status) {
    case 'Implemented': return 'implemented';
    case 'Partially Implemented': return 'partial';
    case 'Not Implemented': return 'notImplemented';
    case 'N/A': return 'na';
    case '': return 'blank';
    default: return 'other';
  }
}

export interface Analysis {
  readonly submissions: number;
  readonly unreadable: readonly { path: string; reason: string }[];
  readonly versions: readonly string[];
  readonly summary: readonly { version: string; submissions: number; vendors: number; fullMust: number; fullMustPct: number }[];
  readonly rates: readonly { version: string; id: string; title: string; level: string; counts: Record<StatusBucket, number>; total: number; implementedPct: number }[];
  readonly matrix: readonly { version: string; key: string; vendor: string; platform: string; path: string; cells: Record<string, StatusBucket> }[];
  readonly requirementsByVersion: Readonly<Record<string, readonly { id: string; title: string; level: string }[]>>;
  readonly adoption: readonly { id: string; name: string; category: string; submissions: number; pct: number; byVersion: Record<string, { count: number; pct: number }>; byRequirement: Record<string, number>; vendors: readonly string[] }[];
  readonly evidence: readonly { path: string; version: string; vendor: string; urls: number; files: number; artifacts: number; empty: number; placeholders: number; mustDocsOnly: number; errors: number; warnings: number }[];
  readonly findingsByRule: readonly { code: string; severity: string; submissions: number; occurrences: number }[];
  readonly trends: {
    readonly recertified: readonly { key: string; vendor: string; versions: readonly string[] }[];
    readonly changes: readonly { key: string; vendor: string; id: string; from: string; to: string; before: string; after: string }[];
    readonly shouldUptake: readonly { version: string; id: string; title: string; answered: number; implemented: number; total: number; pct: number }[];
  };
}

const pct = (n: number, d: number) => (d ? Math.round((n / d) * 1000) / 10 : 0);
const ARTIFACT = /(^|\/)(junit[^/]*\.xml|results\.json|e2e\.log)(#.*)?$|#Test/i;
const PLACEHOLDER = /^\[.*\]$|^(todo|tbd|n\/a|none|-+)$/i;

export function evidenceKind(e: string): 'empty' | 'placeholder' | 'artifact' | 'url' | 'file' {
  const t = e.trim();
  if (!t) return 'empty';
  if (PLACEHOLDER.test(t)) return 'placeholder';
  if (ARTIFACT.test(t)) return 'artifact';
  return /^https?:\/\//i.test(t) ? 'url' : 'file';
}

export function analyze(records: readonly SubmissionRecord[]): Analysis {
  const readable = records.filter((r) => !r.unreadable);
  const versions = [...new Set(readable.map((r) => r.version))].sort(compareVersions);
  const byVersion = new Map(versions.map((v) => [v, readable.filter((r) => r.version === v)]));
  const reqsOf = (v: string) => {
    const first = byVersion.get(v)![0]!;
    return first.requirements.map((q) => ({ id: q.id, title: titleFor(q.id), level: q.level }));
  };
  const requirementsByVersion = Object.fromEntries(versions.map((v) => [v, reqsOf(v)]));
  const isFullMust = (r: SubmissionRecord) => r.requirements.filter((q) => q.level === 'MUST').every((q) => q.status === 'Implemented');

  const summary = versions.map((v) => {
    const subs = byVersion.get(v)!;
    const full = subs.filter(isFullMust).length;
    return { version: v, submissions: subs.length, vendors: new Set(subs.map((s) => s.key)).size, fullMust: full, fullMustPct: pct(full, subs.length) };
  });

  const rates = versions.flatMap((v) =>
    requirementsByVersion[v]!.map((q) => {
      const counts = Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<StatusBucket, number>;
      for (const s of byVersion.get(v)!) counts[bucketOf(s.requirements.find((x) => x.id === q.id)?.status ?? '')]++;
      const total = byVersion.get(v)!.length;
      return { version: v, id: q.id, title: q.title, level: q.level, counts, total, implementedPct: pct(counts.implemented, total) };
    }),
  );

  const matrix = readable.map((r) => ({ version: r.version, key: r.key, vendor: r.vendor, platform: r.platform, path: r.path, cells: Object.fromEntries(r.requirements.map((q) => [q.id, bucketOf(q.status)])) as Record<string, StatusBucket> }));

  // One pass: which components each submission names anywhere.
  const named = new Map(readable.map((r) => [r, new Set(r.requirements.flatMap((q) => q.components))]));
  const adoption = COMPONENTS.map((c) => {
    const users = readable.filter((r) => named.get(r)!.has(c.id));
    const byReq: Record<string, number> = {};
    for (const r of users) for (const q of r.requirements) if (q.components.includes(c.id)) byReq[q.id] = (byReq[q.id] ?? 0) + 1;
    const perVersion = Object.fromEntries(versions.map((v) => {
      const n = users.filter((u) => u.version === v).length;
      return [v, { count: n, pct: pct(n, byVersion.get(v)!.length) }];
    }));
    return { id: c.id, name: c.name, category: c.category, submissions: users.length, pct: pct(users.length, readable.length), byVersion: perVersion, byRequirement: byReq, vendors: [...new Set(users.map((u) => u.vendor))].sort() };
  })
    .filter((a) => a.submissions > 0)
    .sort((a, b) => b.submissions - a.submissions || a.name.localeCompare(b.name));

  const evidence = records.map((r) => {
    const kinds = r.requirements.flatMap((q: RequirementRecord) => q.evidence.map(evidenceKind));
    const count = (k: string) => kinds.filter((x) => x === k).length;
    return {
      path: r.path,
      version: r.version,
      vendor: r.vendor,
      urls: count('url'),
      files: count('file'),
      artifacts: count('artifact'),
      empty: count('empty'),
      placeholders: count('placeholder'),
      mustDocsOnly: r.findings.filter((f) => f.code === 'MUST_DOCS_ONLY').length,
      errors: r.findings.filter((f) => f.severity === 'error').length,
      warnings: r.findings.filter((f) => f.severity === 'warning').length,
    };
  });

  const rules = new Map<string, { code: string; severity: string; submissions: Set<string>; occurrences: number }>();
  for (const r of records) {
    for (const f of r.findings) {
      const e = rules.get(f.code) ?? { code: f.code, severity: f.severity, submissions: new Set<string>(), occurrences: 0 };
      e.submissions.add(r.path);
      e.occurrences++;
      rules.set(f.code, e);
    }
  }
  const findingsByRule = [...rules.values()].map((e) => ({ code: e.code, severity: e.severity, submissions: e.submissions.size, occurrences: e.occurrences })).sort((a, b) => b.submissions - a.submissions || a.code.localeCompare(b.code));

  // Trends: the same submission folder across versions.
  const keys = new Map<string, SubmissionRecord[]>();
  for (const r of readable) keys.set(r.key, [...(keys.get(r.key) ?? []), r]);
  const recertified: Analysis['trends']['recertified'][number][] = [];
  const changes: Analysis['trends']['changes'][number][] = [];
  for (const [key, subs] of keys) {
    const sorted = [...subs].sort((a, b) => compareVersions(a.version, b.version));
    const vs = [...new Set(sorted.map((s) => s.version))];
    if (vs.length > 1) recertified.push({ key, vendor: sorted.at(-1)!.vendor, versions: vs });
    for (let i = 1; i < sorted.length; i++) {
      const [a, b] = [sorted[i - 1]!, sorted[i]!];
      if (a.version === b.version) continue;
      for (const q of b.requirements) {
        const before = a.requirements.find((x) => x.id === q.id);
        if (before && before.status !== q.status) changes.push({ key, vendor: b.vendor, id: q.id, from: a.version, to: b.version, before: before.status, after: q.status });
      }
    }
  }
  recertified.sort((a, b) => a.key.localeCompare(b.key));

  // SHOULD uptake: every SHOULD requirement, per version.
  const shouldUptake = rates.filter((r) => r.level === 'SHOULD').map((r) => ({ version: r.version, id: r.id, title: r.title, answered: r.total - r.counts.blank, implemented: r.counts.implemented, total: r.total, pct: r.implementedPct }));

  return {
    submissions: records.length,
    unreadable: records.filter((r) => r.unreadable).map((r) => ({ path: r.path, reason: r.unreadable! })),
    versions,
    summary,
    rates,
    matrix,
    requirementsByVersion,
    adoption,
    evidence,
    findingsByRule,
    trends: { recertified, changes, shouldUptake },
  };
}
