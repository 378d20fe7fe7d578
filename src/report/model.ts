import type { Diagnostic } from '../source/diagnostic.js';
import { CATEGORY_TITLES, titleFor, type Level } from '../standard/catalog.js';
import type { Checklist } from '../standard/checklist.js';
import type { Submission } from '../submission/model.js';
import { metadataField } from '../submission/rules/metadata.js';

export const STATUS_ORDER = ['Implemented', 'Partially Implemented', 'Not Implemented', 'N/A', ''] as const;
export const STATUS_LABEL: Record<string, string> = {
  Implemented: 'Implemented',
  'Partially Implemented': 'Partially Implemented',
  'Not Implemented': 'Not Implemented',
  'N/A': 'N/A',
  '': 'Not answered',
};
export const STATUS_ICON: Record<string, string> = { Implemented: '✅', 'Partially Implemented': '🟡', 'Not Implemented': '❌', 'N/A': '➖', '': '⬜' };
export const LEVEL_ICON: Record<Level, string> = { MUST: '🔴', SHOULD: '🟡' };

export interface RequirementRow {
  readonly category: string;
  readonly categoryTitle: string;
  readonly id: string;
  readonly title: string;
  readonly level: Level;
  readonly description: string;
  /** '' when not answered; any other text kept as written (an invalid status shows as such). */
  readonly status: string;
  readonly evidence: readonly string[];
  readonly notes: string;
}

export interface ReportModel {
  readonly version: string;
  readonly platform: readonly { label: string; value: string; link?: boolean }[];
  readonly title: string;
  readonly description: string;
  readonly counts: readonly { status: string; count: number }[];
  readonly total: number;
  readonly must: { total: number; implemented: number };
  readonly should: { total: number; implemented: number };
  readonly rows: readonly RequirementRow[];
  readonly findings?: { errors: number; warnings: number; items: readonly Diagnostic[] };
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');

/** The report's data, in the checklist's order. Pure: the same inputs give the same model. */
export function buildReportModel(sub: Submission, checklist: Checklist, findings?: readonly Diagnostic[]): ReportModel {
  const md = sub.metadata;
  const field = (f: string) => str(metadataField(md, f)?.value);
  const rows: RequirementRow[] = checklist.categories.flatMap((cat) =>
    cat.requirements.map((want) => {
      const have = sub.requirements.find((r) => r.id === want.id && r.category === cat.id) ?? sub.requirements.find((r) => r.id === want.id);
      return {
        category: cat.id,
        categoryTitle: CATEGORY_TITLES[cat.id] ?? cat.id,
        id: want.id,
        title: titleFor(want.id),
        level: want.level,
        description: want.description || have?.description || '',
        status: (have?.status ?? '').trim(),
        evidence: (have?.evidence ?? []).filter((e) => e.trim() !== ''),
        notes: have?.notes.trim() ?? '',
      };
    }),
  );
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const ordered = [...STATUS_ORDER.filter((s) => counts.has(s)), ...[...counts.keys()].filter((s) => !(STATUS_ORDER as readonly string[]).includes(s))];
  const level = (l: Level) => ({ total: rows.filter((r) => r.level === l).length, implemented: rows.filter((r) => r.level === l && r.status === 'Implemented').length });
  const platform = [
    { label: 'Vendor', value: field('vendorName') },
    { label: 'Platform', value: field('platformName') },
    { label: 'Platform Version', value: field('platformVersion') },
    { label: 'Kubernetes Version', value: checklist.version },
    { label: 'Website', value: field('websiteUrl'), link: true },
    { label: 'Documentation', value: field('documentationUrl'), link: true },
    { label: 'Repository', value: field('repoUrl'), link: true },
    { label: 'Kubernetes Conformance', value: field('k8sConformanceUrl'), link: true },
    { label: 'Contact', value: field('contactEmailAddress') },
  ].filter((p) => p.value !== '');
  return {
    version: checklist.version,
    platform,
    title: field('platformName') || 'Unnamed platform',
    description: field('description'),
    counts: ordered.map((status) => ({ status, count: counts.get(status)! })),
    total: rows.length,
    must: level('MUST'),
    should: level('SHOULD'),
    rows,
    ...(findings ? { findings: { errors: findings.filter((d) => d.severity === 'error').length, warnings: findings.filter((d) => d.severity === 'warning').length, items: findings } } : {}),
  };
}

/** A GitHub-style heading anchor. */
export const anchor = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').trim().replace(/\s/g, '-');

/** Short display text for a link: host + path, cut at 60 characters. */
export function linkText(url: string): string {
  const t = url.replace(/^https?:\/\//i, '').replace(/^file:\/\//i, '');
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

export const isHttp = (s: string) => /^https?:\/\//i.test(s);
