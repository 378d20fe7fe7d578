import { CATEGORY_TITLES, titleFor } from '../standard/catalog.js';
import { evidenceAdvice } from '../standard/evidence-forms.js';
import type { Checklist } from '../standard/checklist.js';
import { anchor, isHttp, LEVEL_ICON, linkText, STATUS_ICON, STATUS_LABEL, type ReportModel } from './model.js';

/** Escapes text for a Markdown table cell. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const quote = (s: string) => s.split(/\r?\n/).map((l) => `> ${l}`.trimEnd()).join('\n');
const evidenceLink = (e: string) => (isHttp(e) ? `[${linkText(e)}](${e})` : `\`${e}\``);

export const CATEGORY_ICON: Record<string, string> = {
  accelerators: '🚀',
  networking: '🌐',
  schedulingOrchestration: '📅',
  observability: '📊',
  security: '🔒',
  operator: '⚙️',
};

function levelCounts(reqs: readonly { level: string }[]): string {
  const m = reqs.filter((r) => r.level === 'MUST').length;
  const s = reqs.length - m;
  return [m ? `${m} MUST` : '', s ? `${s} SHOULD` : ''].filter(Boolean).join(', ');
}

/** The checklist for one version as a Markdown document. */
export function renderChecklistMarkdown(c: Checklist): string {
  const all = c.categories.flatMap((x) => x.requirements);
  const must = all.filter((r) => r.level === 'MUST').length;
  const out: string[] = [];
  out.push(`# Kubernetes AI Conformance Checklist — ${c.version}`, '');
  out.push('> What a Kubernetes platform must (and should) provide to be certified for running AI and machine-learning workloads on this Kubernetes version.', '');
  out.push('## Overview', '');
  out.push('| Kubernetes Version | Total Requirements | Mandatory (MUST) | Recommended (SHOULD) |', '|:--:|:--:|:--:|:--:|');
  out.push(`| **${c.version}** | ${all.length} | ${must} | ${all.length - must} |`, '');
  out.push('| Level | Meaning |', '|:--:|:--|');
  out.push('| **MUST** | Required: the platform cannot be certified without it, and its status must be `Implemented`. |');
  out.push('| **SHOULD** | Recommended: may be left unanswered, or answered with any status. |', '');
  out.push('## Contents', '');
  for (const cat of c.categories) {
    const t = CATEGORY_TITLES[cat.id] ?? cat.id;
    out.push(`- [${CATEGORY_ICON[cat.id] ?? '•'} ${t}](#${anchor(t)}) — ${levelCounts(cat.requirements)}`);
  }
  out.push('- [Submitting](#submitting)', '');
  let n = 0;
  for (const cat of c.categories) {
    const t = CATEGORY_TITLES[cat.id] ?? cat.id;
    out.push('---', '', `## ${t}`, '', `*${levelCounts(cat.requirements)}*`, '');
    for (const r of cat.requirements) {
      n++;
      out.push(`### ${n}. ${titleFor(r.id)}`, '');
      out.push(`**Level:** ${LEVEL_ICON[r.level]} **${r.level}** · **id:** \`${r.id}\``, '');
      if (r.description) out.push(quote(r.description), '');
      out.push('| Field | What to fill in |', '|:--|:--|');
      out.push(`| \`status\` | \`Implemented\` \\| \`Partially Implemented\` \\| \`Not Implemented\` \\| \`N/A\`${r.level === 'MUST' ? ' (a MUST must be `Implemented`)' : ''} |`);
      out.push(`| \`evidence\` | ${evidenceAdvice(c.version)} |`);
      out.push('| `notes` | How the platform meets it; required when `N/A` |', '');
    }
  }
  out.push('---', '', '## Submitting', '');
  out.push(`1. Start from the template: \`kaic init --version ${c.version} -o PRODUCT.yaml\`.`);
  out.push('2. Fill in `metadata` and, for each requirement, `status`, `evidence` and `notes`.');
  out.push(`3. Gather evidence; \`kaic run --version ${c.version}\` proves the automatable requirements against a cluster and writes test artifacts.`);
  out.push('4. Check locally: `kaic validate PRODUCT.yaml` (add `--offline` to skip link checks).');
  out.push(`5. Open a pull request adding \`${c.version}/<product>/PRODUCT.yaml\` (and any evidence files) to the CNCF AI conformance repository.`, '');
  return out.join('\n');
}

/** A vendor's submission as a Markdown report. */
export function renderReportMarkdown(m: ReportModel): string {
  const out: string[] = [];
  out.push(`# ${m.title} — AI Conformance Report (${m.version})`, '');
  out.push('## Platform', '', '| | |', '|:--|:--|');
  for (const p of m.platform) out.push(`| **${p.label}** | ${p.link && isHttp(p.value) ? `[${cell(linkText(p.value))}](${p.value})` : cell(p.value)} |`);
  out.push('');
  if (m.description) out.push(quote(m.description), '');
  out.push('## Compliance Summary', '', '| Status | Count |', '|:--|:--:|');
  for (const c of m.counts) out.push(`| ${STATUS_ICON[c.status] ?? '⚠️'} ${STATUS_LABEL[c.status] ?? cell(c.status)} | ${c.count} |`);
  out.push(`| **Total** | **${m.total}** |`, '');
  out.push(`**MUST:** ${m.must.implemented} of ${m.must.total} Implemented · **SHOULD:** ${m.should.implemented} of ${m.should.total} Implemented`, '');
  if (m.findings) out.push(`**Validation:** ${m.findings.errors} error(s), ${m.findings.warnings} warning(s) from \`kaic validate --offline\` (listed at the end).`, '');
  out.push('### Requirements at a Glance', '', '| Category | Requirement | Level | Status |', '|:--|:--|:--:|:--|');
  for (const r of m.rows) out.push(`| ${r.categoryTitle} | [${r.title}](#${anchor(r.title)}) | ${r.level} | ${STATUS_ICON[r.status] ?? '⚠️'} ${cell(STATUS_LABEL[r.status] ?? r.status)} |`);
  out.push('', '## Details', '');
  let cat = '';
  for (const r of m.rows) {
    if (r.category !== cat) {
      cat = r.category;
      out.push(`### ${CATEGORY_ICON[cat] ?? '•'} ${r.categoryTitle}`, '');
    }
    out.push(`#### ${r.title}`, '');
    out.push(`**Level:** ${LEVEL_ICON[r.level]} ${r.level} · **Status:** ${STATUS_ICON[r.status] ?? '⚠️'} ${STATUS_LABEL[r.status] ?? r.status} · **id:** \`${r.id}\``, '');
    if (r.description) out.push(quote(r.description), '');
    if (r.evidence.length) {
      out.push('**Evidence:**', '');
      for (const e of r.evidence) out.push(`- ${evidenceLink(e)}`);
      out.push('');
    } else out.push('**Evidence:** none given', '');
    if (r.notes) out.push('**Notes:**', '', quote(r.notes), '');
  }
  if (m.findings && m.findings.items.length) {
    out.push('## Validation Findings', '', '| Line | Severity | Rule | Message |', '|:--:|:--|:--|:--|');
    for (const d of m.findings.items) out.push(`| ${d.line} | ${d.severity} | \`${d.code}\` | ${cell(d.message)} |`);
    out.push('');
  }
  return out.join('\n');
}
